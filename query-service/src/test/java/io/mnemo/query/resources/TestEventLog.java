package io.mnemo.query.resources;

import io.mnemo.devstack.DevstackExtension;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The event log of the shared devstack, created by the tests before any query service starts, with a partition
 * count other than the shipped default (12): a service that assumed a configured count instead of reading the
 * topic would put users in the wrong partition and these tests would see read-your-writes ignored.
 */
final class TestEventLog {
    static final int PARTITIONS = 5;

    private TestEventLog() {
    }

    /** The partition's end offset: the offset its next record will get. */
    static long end(int partition) {
        String bootstrap = DevstackExtension.devstack().kafkaBootstrap();
        TopicPartition tp = new TopicPartition(Topics.MEMORY_EVENTS.name(), partition);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(30, TimeUnit.SECONDS)
                    .offset();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the end of " + tp, e);
        }
    }

    /**
     * Appends filler records to the partition until it holds {@code offset}: the query service refuses a position
     * past the log's end, so every position a test sends must be one the log really has (these tests write the
     * projection rows and watermarks themselves; no processor reads the fillers).
     */
    static synchronized void holdOffset(int partition, long offset) {
        long missing = offset + 1 - end(partition);
        if (missing <= 0) {
            return;
        }
        String bootstrap = DevstackExtension.devstack().kafkaBootstrap();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 5),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] filler = "query-service-it filler".getBytes(StandardCharsets.UTF_8);
            for (long i = 0; i < missing; i++) {
                producer.send(new ProducerRecord<>(Topics.MEMORY_EVENTS.name(), partition, null, filler));
            }
            producer.flush();
        }
        if (end(partition) <= offset) {
            throw new IllegalStateException("partition " + partition + " does not hold offset " + offset);
        }
    }

    /** Creates the catalogue topics when missing and returns the event topic's actual partition count. */
    static synchronized int ensure() {
        String bootstrap = DevstackExtension.devstack().kafkaBootstrap();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            new TopicProvisioner(admin).ensure(Topics.all(), PARTITIONS, (short) 1, Duration.ofSeconds(60));
            return admin.describeTopics(List.of(Topics.MEMORY_EVENTS.name())).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get(Topics.MEMORY_EVENTS.name()).partitions().size();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the event topic on the devstack", e);
        }
    }
}
