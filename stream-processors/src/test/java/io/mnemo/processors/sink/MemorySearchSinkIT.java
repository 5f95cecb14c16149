package io.mnemo.processors.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.MemoryPartitions;
import io.mnemo.processors.db.MemorySearchProjectionWriter;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.serde.ConfluentAvroDeserializer;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The full-text projection's sink on the real broker and Postgres, beside the memories sink on the same topic:
 * each has its own group and offsets; search finds what the newest version says, a forgotten memory leaves a
 * tombstone, and an older change arriving later brings no words back.
 */
@ExtendWith(DevstackExtension.class)
class MemorySearchSinkIT {
    private static Devstack devstack;
    private static Jdbi jdbi;
    private static HttpSchemaRegistryClient registry;

    @BeforeAll
    static void migrate() {
        devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        jdbi = Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password());
        registry = new HttpSchemaRegistryClient(devstack.schemaRegistryUrl());
    }

    @Test
    void searchFindsANewMemoryARevisionChangesWhatItFindsAndAForgottenOneStaysGoneWhateverArrivesLate()
            throws Exception {
        String topic = newTopic();
        String tenant = "s" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        UUID id = UUID.randomUUID();
        MemoryChanged v1 = MemoriesSinkIT.change(tenant, "dora", id, 1, "walked by the river", 0);
        var memories = sink(topic, "memories", new MemoriesProjectionWriter(new MemoryPartitions(jdbi, 8)));
        var search = sink(topic, "search", new MemorySearchProjectionWriter());
        memories.start();
        search.start();
        try {
            produce(topic, List.of(v1));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets("memory_search", topic) == 1
                    && storedOffsets("memories", topic) == 1);
            assertThat(matches(tenant, "river")).containsExactly(id);

            produce(topic, List.of(MemoriesSinkIT.change(tenant, "dora", id, 2, "swam in the lake", 1)));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets("memory_search", topic) == 2);
            assertThat(matches(tenant, "river")).isEmpty();
            assertThat(matches(tenant, "lake")).containsExactly(id);

            produce(topic, List.of(deleted(tenant, "dora", id, 3)));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets("memory_search", topic) == 3);
            assertThat(matches(tenant, "lake")).isEmpty();
            assertThat(searchRow(id)).containsEntry("version", 3L).containsEntry("words", null);

            // the first version again (a redelivery, a replay): the tombstone's version wins
            produce(topic, List.of(v1));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets("memory_search", topic) == 4
                    && storedOffsets("memories", topic) == 4);
            assertThat(matches(tenant, "river")).isEmpty();
            assertThat(searchRow(id)).containsEntry("version", 3L).containsEntry("words", null);
        } finally {
            search.stop();
            memories.stop();
        }
    }

    @Test
    void aReplayingWriterRewritesWordsEditedByHandButNotWithAnOlderVersion() throws Exception {
        String topic = newTopic();
        String tenant = "s" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        UUID id = UUID.randomUUID();
        var search = sink(topic, "search", new MemorySearchProjectionWriter());
        search.start();
        try {
            produce(topic, List.of(MemoriesSinkIT.change(tenant, "eve", id, 2, "picked apples", 0)));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets("memory_search", topic) == 1);
        } finally {
            search.stop();
        }
        jdbi.useHandle(h -> h.execute("UPDATE memory_search SET words = to_tsvector('simple', 'damaged') "
                + "WHERE memory_id = ?", id));
        var repair = new ProjectionBatchApplier<SpecificRecord>(jdbi::useTransaction,
                MemorySearchProjectionWriter.repairing(null), topic, true, false, null);
        repair.apply(List.of(new org.apache.kafka.clients.consumer.ConsumerRecord<>(topic, 0, 0, "k",
                        MemoriesSinkIT.change(tenant, "eve", id, 1, "older pears", 0)),
                new org.apache.kafka.clients.consumer.ConsumerRecord<>(topic, 0, 1, "k",
                        MemoriesSinkIT.change(tenant, "eve", id, 2, "picked apples", 0))));
        assertThat(matches(tenant, "apples")).containsExactly(id);
        assertThat(matches(tenant, "damaged")).isEmpty();
        assertThat(matches(tenant, "pears")).isEmpty();
    }

    private static List<UUID> matches(String tenant, String words) {
        return jdbi.withHandle(h -> h.createQuery("SELECT memory_id FROM memory_search WHERE tenant_id = :t"
                        + " AND words @@ plainto_tsquery('simple', :q)").bind("t", tenant).bind("q", words)
                .mapTo(UUID.class).list());
    }

    private static Map<String, Object> searchRow(UUID id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT version, words::text AS words FROM memory_search"
                + " WHERE memory_id = :id").bind("id", id).mapToMap().one());
    }

    private static long storedOffsets(String projection, String topic) {
        return jdbi.withHandle(h -> h.createQuery("SELECT coalesce(sum(next_offset), 0) FROM projection_offsets "
                        + "WHERE projection = :p AND topic = :topic").bind("p", projection).bind("topic", topic)
                .mapTo(Long.class).one());
    }

    private static MemoryChanged deleted(String tenant, String user, UUID memoryId, long version) {
        return MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId(user)
                .setMemoryId(memoryId).setVersion(version).setKind(MemoryChangeKind.DELETED).setState(null)
                .setSourcePartition(MemoriesSinkIT.WATERMARK_FREE_PARTITION).setSourceOffset(version).build();
    }

    private static String newTopic() throws Exception {
        String topic = "search-sink-it-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeTopics(List.of(topic)).allTopicNames().get()
                    .get(topic).partitions().stream().allMatch(p -> p.leader() != null));
        }
        return topic;
    }

    private static void produce(String topic, List<MemoryChanged> changes) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ConfluentAvroSerializer(registry, true))) {
            for (MemoryChanged change : changes) {
                producer.send(new ProducerRecord<>(topic, change.getTenantId() + "/" + change.getUserId(), change)).get();
            }
        }
    }

    /** A sink of its own group, as the processors run each projection's. */
    private static PostgresProjectionSink<SpecificRecord> sink(String topic, String group,
                                                               ProjectionWriter<SpecificRecord> writer) {
        var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, group + "-" + topic,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100),
                new StringDeserializer(), new ConfluentAvroDeserializer(registry));
        return new PostgresProjectionSink<>(consumer, topic, jdbi, writer, Duration.ofMillis(100), Duration.ofSeconds(1));
    }
}
