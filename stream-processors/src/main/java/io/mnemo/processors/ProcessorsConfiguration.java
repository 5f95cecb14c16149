package io.mnemo.processors;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.dropwizard.db.DataSourceFactory;
import io.mnemo.kit.kafka.KafkaFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/** Typed, validated configuration of the stream processors. */
public class ProcessorsConfiguration extends Configuration {
    @Valid
    @NotNull
    private KafkaFactory kafka = new KafkaFactory();
    @Valid
    @NotNull
    private DataSourceFactory database = new DataSourceFactory();
    @Valid
    @NotNull
    private StreamsSettings streams = new StreamsSettings();
    @Valid
    @NotNull
    private SinkSettings sink = new SinkSettings();
    /** Apply the projection migrations at start-up (the processors own the projection schema). */
    private boolean migrateOnStart = true;

    @JsonProperty
    public KafkaFactory getKafka() {
        return kafka;
    }

    @JsonProperty
    public void setKafka(KafkaFactory kafka) {
        this.kafka = kafka;
    }

    @JsonProperty
    public DataSourceFactory getDatabase() {
        return database;
    }

    @JsonProperty
    public void setDatabase(DataSourceFactory database) {
        this.database = database;
    }

    @JsonProperty
    public StreamsSettings getStreams() {
        return streams;
    }

    @JsonProperty
    public void setStreams(StreamsSettings streams) {
        this.streams = streams;
    }

    @JsonProperty
    public SinkSettings getSink() {
        return sink;
    }

    @JsonProperty
    public void setSink(SinkSettings sink) {
        this.sink = sink;
    }

    @JsonProperty
    public boolean isMigrateOnStart() {
        return migrateOnStart;
    }

    @JsonProperty
    public void setMigrateOnStart(boolean migrateOnStart) {
        this.migrateOnStart = migrateOnStart;
    }
}
