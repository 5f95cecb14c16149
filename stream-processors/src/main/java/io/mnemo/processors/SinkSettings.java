package io.mnemo.processors;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import io.dropwizard.util.Duration;

/** Settings of the Postgres projection sinks and of partition maintenance. */
public class SinkSettings {
    @Min(1)
    @Max(10000)
    private int maxBatch = 500;
    @NotNull
    private Duration pollTimeout = Duration.milliseconds(200);
    @NotNull
    private Duration maxBackoff = Duration.seconds(10);
    /**
     * Writers of the memories projection in this instance: each is a consumer of the sink's group with its own
     * thread, connection, transactions and stored offsets for the Kafka partitions it is assigned, so the
     * partitions' writes run in parallel (they never touch the same memories: a user stays in one partition).
     */
    @Min(1)
    @Max(32)
    private int memoriesWriters = 2;
    /**
     * Writers of the memory_search (full-text) projection in this instance, like {@link #memoriesWriters}. One keeps
     * up on two cores: its rows are small, and the words' GIN is its only index beside the key.
     */
    @Min(1)
    @Max(32)
    private int searchWriters = 1;
    /** Monthly partitions created ahead of the current month. */
    @Min(0)
    private int monthsAhead = 3;
    /** Hash sub-partitions (by user) of each month. */
    @Min(1)
    @Max(64)
    private int hashPartitions = 8;

    @JsonProperty
    public int getMemoriesWriters() {
        return memoriesWriters;
    }

    @JsonProperty
    public void setMemoriesWriters(int memoriesWriters) {
        this.memoriesWriters = memoriesWriters;
    }

    @JsonProperty
    public int getSearchWriters() {
        return searchWriters;
    }

    @JsonProperty
    public void setSearchWriters(int searchWriters) {
        this.searchWriters = searchWriters;
    }

    @JsonProperty
    public int getMaxBatch() {
        return maxBatch;
    }

    @JsonProperty
    public void setMaxBatch(int maxBatch) {
        this.maxBatch = maxBatch;
    }

    @JsonProperty
    public java.time.Duration getPollTimeout() {
        return pollTimeout.toJavaDuration();
    }

    @JsonProperty
    public void setPollTimeout(Duration pollTimeout) {
        this.pollTimeout = pollTimeout;
    }

    @JsonProperty
    public java.time.Duration getMaxBackoff() {
        return maxBackoff.toJavaDuration();
    }

    @JsonProperty
    public void setMaxBackoff(Duration maxBackoff) {
        this.maxBackoff = maxBackoff;
    }

    @JsonProperty
    public int getMonthsAhead() {
        return monthsAhead;
    }

    @JsonProperty
    public void setMonthsAhead(int monthsAhead) {
        this.monthsAhead = monthsAhead;
    }

    @JsonProperty
    public int getHashPartitions() {
        return hashPartitions;
    }

    @JsonProperty
    public void setHashPartitions(int hashPartitions) {
        this.hashPartitions = hashPartitions;
    }
}
