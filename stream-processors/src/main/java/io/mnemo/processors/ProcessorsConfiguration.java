package io.mnemo.processors;

import io.mnemo.kit.crypto.EncryptionFactory;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.db.DataSourceFactory;
import io.mnemo.kit.config.ServiceConfiguration;
import io.mnemo.kit.kafka.KafkaFactory;
import io.mnemo.kit.s3.S3Factory;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/** Typed, validated configuration of the stream processors. */
public class ProcessorsConfiguration extends ServiceConfiguration {
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
    /** The master key that wraps users' data keys (crypto-shredding); never the dev key outside dev. */
    @Valid
    @NotNull
    private EncryptionFactory encryption = new EncryptionFactory();
    /** The media bucket: the media sink promotes staged uploads and deletes forgotten media there. */
    @Valid
    @NotNull
    private S3Factory s3 = new S3Factory();
    /**
     * This instance's stable identity for static consumer-group membership (blank: derived from the host name and
     * the Streams state directory). Must differ between instances that run at the same time.
     */
    private String instanceId;
    /**
     * Apply the projection migrations at start-up, as {@link #migration}'s login (the schema's owner); off where an
     * operator or a job migrates before the services start.
     */
    private boolean migrateOnStart = true;
    @Valid
    @NotNull
    private MigrationSettings migration = new MigrationSettings();

    /**
     * Each sink thread keeps its own connection (memories writers, search writers, activity, media), and the rest of the service
     * (offset loads on rebalance, partition maintenance, health checks) needs a few more.
     */
    @JsonIgnore
    @ValidationMethod(message = "database.maxSize must be at least sink.memoriesWriters + sink.searchWriters + 4 (one "
            + "connection per sink "
            + "thread, two spare)")
    public boolean isPoolLargeEnoughForSinks() {
        return database.getMaxSize() >= sink.getMemoriesWriters() + sink.getSearchWriters() + 4;
    }

    @JsonProperty
    public String getInstanceId() {
        return instanceId;
    }

    @JsonProperty
    public void setInstanceId(String instanceId) {
        this.instanceId = instanceId;
    }

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
    public S3Factory getS3() {
        return s3;
    }

    @JsonProperty
    public void setS3(S3Factory s3) {
        this.s3 = s3;
    }

    @JsonProperty
    public boolean isMigrateOnStart() {
        return migrateOnStart;
    }

    @JsonProperty
    public void setMigrateOnStart(boolean migrateOnStart) {
        this.migrateOnStart = migrateOnStart;
    }

    @JsonProperty
    public MigrationSettings getMigration() {
        return migration;
    }

    @JsonProperty
    public void setMigration(MigrationSettings migration) {
        this.migration = migration;
    }

    @JsonProperty
    public EncryptionFactory getEncryption() {
        return encryption;
    }

    @JsonProperty
    public void setEncryption(EncryptionFactory encryption) {
        this.encryption = encryption;
    }
}
