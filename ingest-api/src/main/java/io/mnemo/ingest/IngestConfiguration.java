package io.mnemo.ingest;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.mnemo.kit.kafka.KafkaFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import io.dropwizard.util.Duration;

/** Typed, validated configuration of the ingest API. */
public class IngestConfiguration extends Configuration {
    @Valid
    @NotNull
    private KafkaFactory kafka = new KafkaFactory();

    /**
     * How long a write may take to become durable in Kafka (metadata, buffer space and acks=all included) before
     * the request is answered 503. The producer gives up on the record within the same time, so a 503 is not
     * followed by a late write, except when the broker wrote it but its answer was lost: retry with the same
     * Idempotency-Key and the duplicate is dropped downstream.
     */
    @NotNull
    private Duration publishTimeout = Duration.seconds(5);

    /** Retry-After sent with 503. */
    @NotNull
    private Duration retryAfter = Duration.seconds(2);

    /** Producer linger: a few milliseconds batches concurrent requests into one Kafka round trip. */
    @NotNull
    private Duration producerLinger = Duration.milliseconds(5);

    /**
     * The tenant every request is attributed to until API keys (which carry the tenant) exist.
     * Never taken from a request body.
     */
    @NotEmpty
    private String tenant = "dev";

    @JsonProperty
    public KafkaFactory getKafka() {
        return kafka;
    }

    @JsonProperty
    public void setKafka(KafkaFactory kafka) {
        this.kafka = kafka;
    }

    @JsonProperty
    public java.time.Duration getPublishTimeout() {
        return publishTimeout.toJavaDuration();
    }

    @JsonProperty
    public void setPublishTimeout(Duration publishTimeout) {
        this.publishTimeout = publishTimeout;
    }

    @JsonProperty
    public java.time.Duration getRetryAfter() {
        return retryAfter.toJavaDuration();
    }

    @JsonProperty
    public void setRetryAfter(Duration retryAfter) {
        this.retryAfter = retryAfter;
    }

    @JsonProperty
    public java.time.Duration getProducerLinger() {
        return producerLinger.toJavaDuration();
    }

    @JsonProperty
    public void setProducerLinger(Duration producerLinger) {
        this.producerLinger = producerLinger;
    }

    @JsonProperty
    public String getTenant() {
        return tenant;
    }

    @JsonProperty
    public void setTenant(String tenant) {
        this.tenant = tenant;
    }
}
