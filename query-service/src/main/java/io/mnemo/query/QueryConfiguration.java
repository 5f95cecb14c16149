package io.mnemo.query;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.db.DataSourceFactory;
import io.mnemo.kit.auth.AuthFactory;
import io.mnemo.kit.config.ServiceConfiguration;
import io.mnemo.kit.kafka.KafkaFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Typed, validated configuration of the query service. */
public class QueryConfiguration extends ServiceConfiguration {
    /** Streaming replicas, tried in order; reads go to the primary only when none can answer. */
    @Valid
    @NotNull
    private List<DataSourceFactory> replicas = new ArrayList<>();
    /**
     * Comma-separated JDBC URLs of the replicas, one pool each with the settings of the first {@code replicas} entry
     * (its URL replaced): how an environment variable gives a list. Blank: {@code replicas} as written. A URL may
     * name a server that is (or becomes, after a failover) a primary: the monitor keeps only servers in recovery in
     * rotation, so every server of a cluster can be listed.
     */
    private String replicaUrls = "";
    @Valid
    @NotNull
    private DataSourceFactory primary = new DataSourceFactory();
    /** HMAC secret of pagination cursors (at least 16 characters). */
    @NotNull
    @Size(min = 16)
    private String cursorSecret;
    /** API key cache refresh and default per-key rate limit; keys are read from the primary. */
    @Valid
    @NotNull
    private AuthFactory auth = new AuthFactory();
    /** A replica whose replay lags more than this is left out of rotation until it catches up. */
    @NotNull
    private io.dropwizard.util.Duration replicaMaxLag = io.dropwizard.util.Duration.seconds(5);
    /** How often each replica's reachability and lag are checked. */
    @NotNull
    private io.dropwizard.util.Duration replicaCheckInterval = io.dropwizard.util.Duration.seconds(1);
    /** How long a read that must reflect a position waits for a replica before trying the primary. */
    @NotNull
    private io.dropwizard.util.Duration positionWait = io.dropwizard.util.Duration.seconds(2);
    /**
     * Kafka, read once at start: the partition count of the event log, with which a user's partition is found for
     * read-your-writes, comes from the topic itself (a configured count could disagree with it and silently
     * disable read-your-writes). {@code partitions} only applies to topics created when {@code provisionTopics}.
     */
    @Valid
    @NotNull
    private KafkaFactory kafka = new KafkaFactory();
    /**
     * Exports one tenant may stream at once on an instance; beyond → 429 too-many-concurrent-exports. An export holds
     * a database connection while its client reads (pools: 16 per replica, 4 on the primary), so one tenant must
     * not take them all.
     */
    @jakarta.validation.constraints.Min(1)
    @jakarta.validation.constraints.Max(64)
    private int maxConcurrentExportsPerTenant = 2;
    /** Where media objects live; only used to sign download URLs. */
    @Valid
    @NotNull
    private io.mnemo.kit.s3.S3Factory s3 = new io.mnemo.kit.s3.S3Factory();
    /** Lifetime of signed media download URLs. */
    @NotNull
    private io.dropwizard.util.Duration mediaLinkTtl = io.dropwizard.util.Duration.minutes(5);

    @JsonProperty
    public List<DataSourceFactory> getReplicas() {
        return replicas;
    }

    @JsonProperty
    public void setReplicas(List<DataSourceFactory> replicas) {
        this.replicas = replicas;
    }

    @JsonProperty
    public String getReplicaUrls() {
        return replicaUrls;
    }

    @JsonProperty
    public void setReplicaUrls(String replicaUrls) {
        this.replicaUrls = replicaUrls;
    }

    /** The replicas' pools: one per URL of {@link #getReplicaUrls()} when given, else {@link #getReplicas()}. */
    public List<DataSourceFactory> replicaDataSources(ObjectMapper mapper) {
        // absent (a YAML empty value is null): the replicas as written
        List<String> urls = replicaUrls == null ? List.of() : Arrays.stream(replicaUrls.split(",")).map(String::trim).filter(u -> !u.isEmpty())
                .toList();
        if (urls.isEmpty()) {
            return replicas;
        }
        if (replicas.isEmpty()) {
            throw new IllegalStateException("replicaUrls needs a replicas entry to copy the pool settings from");
        }
        List<DataSourceFactory> pools = new ArrayList<>();
        for (String url : urls) {
            DataSourceFactory pool = mapper.convertValue(replicas.get(0), DataSourceFactory.class);
            pool.setUrl(url);
            pools.add(pool);
        }
        return pools;
    }

    @JsonProperty
    public DataSourceFactory getPrimary() {
        return primary;
    }

    @JsonProperty
    public void setPrimary(DataSourceFactory primary) {
        this.primary = primary;
    }

    @JsonProperty
    public String getCursorSecret() {
        return cursorSecret;
    }

    @JsonProperty
    public void setCursorSecret(String cursorSecret) {
        this.cursorSecret = cursorSecret;
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
    public java.time.Duration getReplicaMaxLag() {
        return replicaMaxLag.toJavaDuration();
    }

    @JsonProperty
    public void setReplicaMaxLag(io.dropwizard.util.Duration replicaMaxLag) {
        this.replicaMaxLag = replicaMaxLag;
    }

    @JsonProperty
    public java.time.Duration getReplicaCheckInterval() {
        return replicaCheckInterval.toJavaDuration();
    }

    @JsonProperty
    public void setReplicaCheckInterval(io.dropwizard.util.Duration replicaCheckInterval) {
        this.replicaCheckInterval = replicaCheckInterval;
    }

    @JsonProperty
    public java.time.Duration getPositionWait() {
        return positionWait.toJavaDuration();
    }

    @JsonProperty
    public void setPositionWait(io.dropwizard.util.Duration positionWait) {
        this.positionWait = positionWait;
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
    public int getMaxConcurrentExportsPerTenant() {
        return maxConcurrentExportsPerTenant;
    }

    @JsonProperty
    public void setMaxConcurrentExportsPerTenant(int maxConcurrentExportsPerTenant) {
        this.maxConcurrentExportsPerTenant = maxConcurrentExportsPerTenant;
    }

    @JsonProperty
    public io.mnemo.kit.s3.S3Factory getS3() {
        return s3;
    }

    @JsonProperty
    public void setS3(io.mnemo.kit.s3.S3Factory s3) {
        this.s3 = s3;
    }

    @JsonProperty
    public java.time.Duration getMediaLinkTtl() {
        return mediaLinkTtl.toJavaDuration();
    }

    @JsonProperty
    public void setMediaLinkTtl(io.dropwizard.util.Duration mediaLinkTtl) {
        this.mediaLinkTtl = mediaLinkTtl;
    }
}
