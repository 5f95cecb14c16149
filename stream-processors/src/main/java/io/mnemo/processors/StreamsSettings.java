package io.mnemo.processors;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import io.dropwizard.util.Duration;

/** Kafka Streams settings that are the operator's to choose (exactly_once_v2 is not: it is forced). */
public class StreamsSettings {
    @NotEmpty
    private String stateDir = "/tmp/mnemo-streams";
    @Min(1)
    private int threads = 1;
    @Min(0)
    private int standbyReplicas = 0;
    @Min(1)
    private short replicationFactor = 1;
    /**
     * How long an event id is remembered to drop retries of it (same id and payload) and to dead-letter a key reused
     * for other content. Producers must not retry a request later than this; a capture retried after it is still
     * a no-op (its memory exists), but a revision is applied again.
     */
    @NotNull
    private Duration idempotencyWindow = Duration.days(7);
    /**
     * How often the stream thread commits its exactly-once transaction. An event's changes become readable to the
     * sinks only at a commit, so this bounds the Streams stage of freshness from below; each commit costs a flush, an
     * offsets write and a marker on every partition the transaction touched, so a shorter interval costs broker CPU
     * per event. See docs/performance.md.
     */
    @NotNull
    private Duration commitInterval = Duration.milliseconds(100);
    /** Stream-thread state-store cache (Streams' statestore.cache.max.bytes), shared by the thread's tasks. */
    @Min(0)
    private long cacheMaxBytes = 10L * 1024 * 1024;

    @JsonProperty
    public String getStateDir() {
        return stateDir;
    }

    @JsonProperty
    public void setStateDir(String stateDir) {
        this.stateDir = stateDir;
    }

    @JsonProperty
    public int getThreads() {
        return threads;
    }

    @JsonProperty
    public void setThreads(int threads) {
        this.threads = threads;
    }

    @JsonProperty
    public int getStandbyReplicas() {
        return standbyReplicas;
    }

    @JsonProperty
    public void setStandbyReplicas(int standbyReplicas) {
        this.standbyReplicas = standbyReplicas;
    }

    @JsonProperty
    public short getReplicationFactor() {
        return replicationFactor;
    }

    @JsonProperty
    public void setReplicationFactor(short replicationFactor) {
        this.replicationFactor = replicationFactor;
    }

    @JsonProperty
    public java.time.Duration getIdempotencyWindow() {
        return idempotencyWindow.toJavaDuration();
    }

    @JsonProperty
    public void setIdempotencyWindow(Duration idempotencyWindow) {
        this.idempotencyWindow = idempotencyWindow;
    }

    @JsonProperty
    public java.time.Duration getCommitInterval() {
        return commitInterval.toJavaDuration();
    }

    @JsonProperty
    public void setCommitInterval(Duration commitInterval) {
        this.commitInterval = commitInterval;
    }

    @JsonProperty
    public long getCacheMaxBytes() {
        return cacheMaxBytes;
    }

    @JsonProperty
    public void setCacheMaxBytes(long cacheMaxBytes) {
        this.cacheMaxBytes = cacheMaxBytes;
    }
}
