package io.mnemo.kit.kafka;

import io.mnemo.schemas.serde.ConfluentAvroDeserializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Consumers for tools that read a log themselves (replay, reconcile, rebuild, benchmarks): no group, no auto
 * commit, only committed transactions, Avro values in the Confluent wire format. The caller assigns and seeks.
 */
public final class LogReaders {
    /** Large fetches for reading a whole log as fast as it can be applied (rebuilds). */
    public static final Map<String, Object> BULK_FETCH = Map.of(
            ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024,
            ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);

    private LogReaders() {
    }

    public static KafkaConsumer<String, SpecificRecord> avro(String bootstrap, String schemaRegistryUrl,
                                                             String clientId, int maxPollRecords,
                                                             Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId));
        config.putAll(overrides);
        return new KafkaConsumer<>(KafkaClientSecurity.fromEnvironment().applyTo(config), new StringDeserializer(),
                new ConfluentAvroDeserializer(new HttpSchemaRegistryClient(schemaRegistryUrl)));
    }
}
