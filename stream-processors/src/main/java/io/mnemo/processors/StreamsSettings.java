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
}
