package io.mnemo.bench.floor;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.dropwizard.util.Duration;
import io.mnemo.kit.kafka.KafkaFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

/** The HTTP floor's settings: ingest's Kafka, publish timeout and linger, plus the topic and record size. */
public final class HttpFloorConfiguration extends Configuration {
    @Valid
    @NotNull
    private KafkaFactory kafka = new KafkaFactory();
    @NotNull
    private Duration publishTimeout = Duration.seconds(5);
    @NotNull
    private Duration producerLinger = Duration.milliseconds(5);
    @NotEmpty
    private String topic;
    @Min(1)
    private int recordSize = 512;

    @JsonProperty
    public KafkaFactory getKafka() {
        return kafka;
    }

    @JsonProperty
    public void setKafka(KafkaFactory kafka) {
        this.kafka = kafka;
    }

    public java.time.Duration getPublishTimeout() {
        return publishTimeout.toJavaDuration();
    }

    @JsonProperty
    public void setPublishTimeout(Duration publishTimeout) {
        this.publishTimeout = publishTimeout;
    }

    public java.time.Duration getProducerLinger() {
        return producerLinger.toJavaDuration();
    }

    @JsonProperty
    public void setProducerLinger(Duration producerLinger) {
        this.producerLinger = producerLinger;
    }

    @JsonProperty
    public String getTopic() {
        return topic;
    }

    @JsonProperty
    public void setTopic(String topic) {
        this.topic = topic;
    }

    @JsonProperty
    public int getRecordSize() {
        return recordSize;
    }

    @JsonProperty
    public void setRecordSize(int recordSize) {
        this.recordSize = recordSize;
    }
}
