package io.mnemo.ingest;

import io.mnemo.kit.crypto.EncryptionFactory;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.db.DataSourceFactory;
import io.mnemo.kit.auth.AuthFactory;
import io.mnemo.kit.config.ServiceConfiguration;
import io.mnemo.kit.kafka.KafkaFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import io.dropwizard.util.DataSize;
import io.dropwizard.util.DataSizeUnit;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDataSize;
import io.dropwizard.validation.MinDuration;
import java.util.concurrent.TimeUnit;
import jakarta.validation.constraints.Min;

/** Typed, validated configuration of the ingest API. */
public class IngestConfiguration extends ServiceConfiguration {
    /** The master key that wraps users' data keys (crypto-shredding); never the dev key outside dev. */
    @Valid
    @NotNull
    private EncryptionFactory encryption = new EncryptionFactory();
    @Valid
    @NotNull
    private KafkaFactory kafka = new KafkaFactory();

    /**
     * How long a write may take to become durable in Kafka (metadata, buffer space and acks=all included) before
     * the request is answered 503. The producer gives up on the record within the same time, so a 503 is not
     * followed by a late write, except when the broker wrote it but its answer was lost: retry with the same
     * Idempotency-Key and the duplicate is dropped downstream.
     *
     * <p>A broker's crash must cost a slow answer, not a 503: until the controller fences the dead broker, every
     * acks=all write whose partition it leads or follows waits. So the producer's delivery window (four fifths of
     * this) must be at least 2.5 times the fencing time, {@code broker.session.timeout.ms} plus a controller failover
     * ({@code controller.quorum.fetch.timeout.ms + controller.quorum.election.timeout.ms}): 3 + 2 + 1 = 6 s on the
     * dev cluster, hence 20 s (docs/architecture.md, "Publish timeout").
     */
    @NotNull
    private Duration publishTimeout = Duration.seconds(20);

    /** Retry-After sent with 503. */
    @NotNull
    private Duration retryAfter = Duration.seconds(2);

    /** Producer linger: a few milliseconds batches concurrent requests into one Kafka round trip. */
    @NotNull
    private Duration producerLinger = Duration.milliseconds(5);

    /**
     * Postgres holding the API keys. Ingest keeps serving cached keys while it is down, so it is not a health
     * check of the service.
     */
    @Valid
    @NotNull
    private DataSourceFactory database = new DataSourceFactory();

    /** API key cache refresh and default per-key rate limit. */
    @Valid
    @NotNull
    private AuthFactory auth = new AuthFactory();

    /** Events that may wait for Kafka's acknowledgement at once; beyond it requests get 503 at once. */
    @Min(1)
    private int maxInFlight = 20_000;

    /** Largest JSON body accepted (a full batch of 500 memories fits); larger → 413. */
    @NotNull
    @MaxDataSize(value = 64, unit = DataSizeUnit.MEBIBYTES)
    private DataSize maxJsonBodySize = DataSize.mebibytes(16);

    /** How long a JSON body may take to arrive; a body still trickling in after it → 408. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    private Duration jsonBodyReadTimeout = Duration.seconds(20);

    /** Media uploads: S3 staging, size cap, part size. */
    @Valid
    @NotNull
    private MediaConfiguration media = new MediaConfiguration();

    @JsonProperty
    public MediaConfiguration getMedia() {
        return media;
    }

    @JsonProperty
    public void setMedia(MediaConfiguration media) {
        this.media = media;
    }

    @JsonProperty
    public int getMaxInFlight() {
        return maxInFlight;
    }

    @JsonProperty
    public void setMaxInFlight(int maxInFlight) {
        this.maxInFlight = maxInFlight;
    }

    @JsonProperty
    public DataSize getMaxJsonBodySize() {
        return maxJsonBodySize;
    }

    @JsonProperty
    public void setMaxJsonBodySize(DataSize maxJsonBodySize) {
        this.maxJsonBodySize = maxJsonBodySize;
    }

    @JsonProperty
    public Duration getJsonBodyReadTimeout() {
        return jsonBodyReadTimeout;
    }

    @JsonProperty
    public void setJsonBodyReadTimeout(Duration jsonBodyReadTimeout) {
        this.jsonBodyReadTimeout = jsonBodyReadTimeout;
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
    public DataSourceFactory getDatabase() {
        return database;
    }

    @JsonProperty
    public void setDatabase(DataSourceFactory database) {
        this.database = database;
    }

    @JsonProperty
    public AuthFactory getAuth() {
        return auth;
    }

    @JsonProperty
    public void setAuth(AuthFactory auth) {
        this.auth = auth;
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
