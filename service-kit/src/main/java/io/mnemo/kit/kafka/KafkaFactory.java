package io.mnemo.kit.kafka;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.dropwizard.validation.MaxDuration;
import io.dropwizard.validation.MinDuration;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import io.mnemo.schemas.serde.SchemaRegistryClient;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka connection settings of a service and the factory of its clients. Safety settings (acks=all,
 * idempotence, serializers) are forced; {@link #clientOverrides} passes other client settings through and is
 * validated so it cannot weaken them.
 */
public class KafkaFactory {
    /** Settings a service may never override: they are what makes "2xx means durable" true. */
    static final Set<String> FORCED = Set.of(ProducerConfig.ACKS_CONFIG, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            "key.deserializer", "value.deserializer", "isolation.level", "enable.auto.commit",
            "processing.guarantee", CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);

    @NotEmpty
    private String bootstrapServers;

    @NotNull
    private URI schemaRegistryUrl;

    /** Register schemas on first use (dev); production pre-registers them and only looks them up. */
    private boolean autoRegisterSchemas = true;

    @Min(1)
    private int partitions = 12;

    @Min(1)
    private short replicationFactor = 1;

    /** Create the catalogue topics at start-up when missing (dev and tests; production provisions them). */
    private boolean provisionTopics = true;

    @NotNull
    private Map<String, String> clientOverrides = new HashMap<>();

    /**
     * How long a group's coordinator waits for a silent member (crashed, or cut off by a network partition) before
     * it hands the member's partitions to the others; also how long a restarted static member may take to come back
     * without a rebalance. Kafka's default; brokers accept 6 s to 30 min by default.
     */
    @NotNull
    @MinDuration(value = 6, unit = TimeUnit.SECONDS)
    @MaxDuration(value = 30, unit = TimeUnit.MINUTES)
    private io.dropwizard.util.Duration groupSessionTimeout = io.dropwizard.util.Duration.seconds(45);

    @JsonProperty
    public String getBootstrapServers() {
        return bootstrapServers;
    }

    @JsonProperty
    public void setBootstrapServers(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    @JsonProperty
    public URI getSchemaRegistryUrl() {
        return schemaRegistryUrl;
    }

    @JsonProperty
    public void setSchemaRegistryUrl(URI schemaRegistryUrl) {
        this.schemaRegistryUrl = schemaRegistryUrl;
    }

    @JsonProperty
    public boolean isAutoRegisterSchemas() {
        return autoRegisterSchemas;
    }

    @JsonProperty
    public void setAutoRegisterSchemas(boolean autoRegisterSchemas) {
        this.autoRegisterSchemas = autoRegisterSchemas;
    }

    @JsonProperty
    public int getPartitions() {
        return partitions;
    }

    @JsonProperty
    public void setPartitions(int partitions) {
        this.partitions = partitions;
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
    public boolean isProvisionTopics() {
        return provisionTopics;
    }

    @JsonProperty
    public void setProvisionTopics(boolean provisionTopics) {
        this.provisionTopics = provisionTopics;
    }

    @JsonProperty
    public Map<String, String> getClientOverrides() {
        return clientOverrides;
    }

    @JsonProperty
    public void setClientOverrides(Map<String, String> clientOverrides) {
        this.clientOverrides = clientOverrides;
    }

    @AssertTrue(message = "must not override acks, idempotence, serializers, isolation, commit or bootstrap settings")
    public boolean isClientOverridesSafe() {
        return clientOverrides == null || clientOverrides.keySet().stream().noneMatch(FORCED::contains);
    }

    @JsonProperty
    public io.dropwizard.util.Duration getGroupSessionTimeout() {
        return groupSessionTimeout;
    }

    @JsonProperty
    public void setGroupSessionTimeout(io.dropwizard.util.Duration groupSessionTimeout) {
        this.groupSessionTimeout = groupSessionTimeout;
    }

    /** A group member's liveness settings: the session timeout, and heartbeats a third of it apart (at most 3 s). */
    public Map<String, Object> groupMembershipProperties() {
        long session = groupSessionTimeout.toMilliseconds();
        return Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) session,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.min(3000, session / 3));
    }

    /** Common client properties: bootstrap plus the validated overrides. */
    public Map<String, Object> baseProperties(String clientId) {
        Map<String, Object> props = new HashMap<>(clientOverrides);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    /**
     * A durable producer: acks=all and idempotence forced. Its timeouts are derived from {@code outcomeWithin} so
     * that every send has a definitive outcome (acknowledged, or failed and no longer retried) within that
     * time: at most a fifth of it blocked in {@code send()} for metadata or buffer space, the rest for delivery.
     * A caller that waits a little longer than {@code outcomeWithin} therefore never reports failure for a
     * record the producer would still deliver afterwards. For a broker's crash to be invisible (a slow answer, not a
     * failure), the delivery part (four fifths) must exceed the time the cluster takes to fence the dead broker and
     * move its leaderships (docs/architecture.md, "Publish timeout").
     */
    public <V> Producer<String, V> buildProducer(Environment environment, String clientId, Serializer<V> valueSerializer,
                                                 Duration outcomeWithin, Duration linger) {
        long budget = outcomeWithin.toMillis();
        long maxBlock = Math.max(100, budget / 5);
        long delivery = budget - maxBlock;
        if (delivery < linger.toMillis() + 500) {
            throw new IllegalArgumentException("outcome time " + outcomeWithin + " is too short for linger " + linger);
        }
        Map<String, Object> props = baseProperties(clientId);
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.LINGER_MS_CONFIG, (int) linger.toMillis());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, maxBlock);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) delivery);
        // Half the delivery window per request: a request on a connection that died silently (a partition, not a
        // refused connection) is resent, to the leader the refreshed metadata names, within the same window.
        // A produce request waiting for a dead follower to leave the ISR (acks=all until the broker is fenced) is
        // answered REQUEST_TIMED_OUT by then and retried; idempotence makes the resend harmless.
        // Kafka requires delivery.timeout >= linger + request.timeout.
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(250, (delivery - linger.toMillis()) / 2));
        Producer<String, V> producer = new KafkaProducer<>(props, new StringSerializer(), valueSerializer);
        environment.lifecycle().manage(new Managed() {
            @Override
            public void stop() {
                producer.close(Duration.ofSeconds(10));
            }
        });
        return producer;
    }

    /** An admin client, closed with the service. */
    public Admin buildAdmin(Environment environment, String clientId) {
        Map<String, Object> props = baseProperties(clientId);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        Admin admin = Admin.create(props);
        environment.lifecycle().manage(new Managed() {
            @Override
            public void stop() {
                admin.close(Duration.ofSeconds(5));
            }
        });
        return admin;
    }

    public SchemaRegistryClient buildSchemaRegistryClient() {
        return new HttpSchemaRegistryClient(schemaRegistryUrl.toString());
    }
}
