package io.mnemo.processors.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.MemoryPartitions;
import io.mnemo.processors.db.ProjectionOffsets;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.serde.ConfluentAvroDeserializer;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The memories sink on the real broker and Postgres: duplicates, late versions, and a crash mid-stream. */
@ExtendWith(DevstackExtension.class)
class MemoriesSinkIT {
    /** Source partition of the changes these tests make up (the event log has 12; ProcessingIT checks those). */
    static final int WATERMARK_FREE_PARTITION = 999;
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

    private static String newTopic() throws Exception {
        String topic = "sink-it-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeTopics(List.of(topic)).allTopicNames().get()
                    .get(topic).partitions().stream().allMatch(p -> p.leader() != null));
        }
        return topic;
    }

    private static void produce(String topic, List<MemoryChanged> changes) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                new StringSerializer(), new ConfluentAvroSerializer(registry, true))) {
            for (MemoryChanged change : changes) {
                producer.send(new ProducerRecord<>(topic, change.getTenantId() + "/" + change.getUserId(), change)).get();
            }
        }
    }

    /** Each list in one transaction, as Kafka Streams publishes: each commit leaves a marker in the log. */
    private static void produceInTransactions(String topic, List<List<MemoryChanged>> transactions) {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "sink-it-" + UUID.randomUUID()),
                new StringSerializer(), new ConfluentAvroSerializer(registry, true))) {
            producer.initTransactions();
            for (List<MemoryChanged> transaction : transactions) {
                producer.beginTransaction();
                for (MemoryChanged change : transaction) {
                    producer.send(new ProducerRecord<>(topic, change.getTenantId() + "/" + change.getUserId(), change));
                }
                producer.commitTransaction();
            }
        }
    }

    private static PostgresProjectionSink<SpecificRecord> sink(String topic, ProjectionWriter<SpecificRecord> writer) {
        var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "group-" + topic,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100),
                new StringDeserializer(), new ConfluentAvroDeserializer(registry));
        return new PostgresProjectionSink<>(consumer, topic, jdbi, writer, Duration.ofMillis(100), Duration.ofSeconds(1));
    }

    private static MemoriesProjectionWriter writer() {
        return new MemoriesProjectionWriter(new MemoryPartitions(jdbi, 8));
    }

    static MemoryChanged change(String tenant, String user, UUID memoryId, long version, String content, long offset) {
        return MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId(user)
                .setMemoryId(memoryId).setVersion(version).setKind(MemoryChangeKind.UPSERTED)
                .setState(MemoryState.newBuilder().setOccurredAt(Instant.parse("2025-03-14T15:09:26.535897Z"))
                        .setRecordedAt(Instant.parse("2026-11-01T00:00:00Z")).setContent(content)
                        .setTags(List.of("x")).setAttributes(Map.of()).setMediaIds(List.of()).setMedia(List.of())
                        .build())
                // a partition the event log does not have: these tests must not move the real watermarks
                .setSourcePartition(WATERMARK_FREE_PARTITION).setSourceOffset(offset).build();
    }

    private static long rows(String tenant) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM memories WHERE tenant_id = :t")
                .bind("t", tenant).mapTo(Long.class).one());
    }

    private static long storedOffsets(String topic) {
        return jdbi.withHandle(h -> h.createQuery("SELECT coalesce(sum(next_offset), 0) FROM projection_offsets "
                + "WHERE projection = 'memories' AND topic = :topic").bind("topic", topic).mapTo(Long.class).one());
    }

    @Test
    void writesOneRowWhenTheSameEventArrivesTwice() throws Exception {
        String topic = newTopic();
        String tenant = "t" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        MemoryChanged once = change(tenant, "alice", UUID.randomUUID(), 1, "hello", 0);
        var sink = sink(topic, writer());
        sink.start();
        try {
            // Two separate deliveries, so the second meets the stored row (not an in-batch duplicate).
            produce(topic, List.of(once));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 1);
            produce(topic, List.of(once));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 2);
            assertThat(rows(tenant)).isEqualTo(1);
            var row = jdbi.withHandle(h -> h.createQuery("SELECT content, version FROM memories WHERE memory_id = :id")
                    .bind("id", once.getMemoryId()).mapToMap().one());
            assertThat(row).containsEntry("content", "hello").containsEntry("version", 1L);
        } finally {
            sink.stop();
        }
    }

    @Test
    void ignoresAnOlderVersionArrivingLate() throws Exception {
        String topic = newTopic();
        String tenant = "t" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        UUID memoryId = UUID.randomUUID();
        var sink = sink(topic, writer());
        sink.start();
        try {
            // The newer version is committed first; the older one arrives in a later batch and must lose to the
            // version guard in SQL.
            produce(topic, List.of(change(tenant, "bob", memoryId, 2, "newer", 1)));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 1);
            produce(topic, List.of(change(tenant, "bob", memoryId, 1, "older", 0)));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 2);
            var row = jdbi.withHandle(h -> h.createQuery("SELECT content, version FROM memories WHERE memory_id = :id")
                    .bind("id", memoryId).mapToMap().one());
            assertThat(row).containsEntry("content", "newer").containsEntry("version", 2L);
        } finally {
            sink.stop();
        }
    }

    @Test
    void aSinkThatDiesMidStreamLosesAndDoublesNothingAfterRestart() throws Exception {
        String topic = newTopic();
        String tenant = "t" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        List<MemoryChanged> changes = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            changes.add(change(tenant, "user-" + (i % 17), UUID.randomUUID(), 1, "memory " + i, i));
        }
        produce(topic, changes);

        // The first instance writes some batches, then dies inside a transaction (rows written, not committed).
        AtomicInteger batches = new AtomicInteger();
        ProjectionWriter<SpecificRecord> real = writer();
        ProjectionWriter<SpecificRecord> dying = new ProjectionWriter<>() {
            @Override
            public String projection() {
                return real.projection();
            }

            @Override
            public void prepare(List<ConsumerRecord<String, SpecificRecord>> batch) {
                real.prepare(batch);
            }

            @Override
            public void write(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
                real.write(transaction, batch);
                if (batches.incrementAndGet() >= 5) {
                    throw new IllegalStateException("simulated crash after writing, before commit");
                }
            }
        };
        var first = sink(topic, dying);
        first.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> batches.get() >= 5);
        first.stop();
        long landedBeforeCrash = rows(tenant);
        assertThat(landedBeforeCrash).isGreaterThan(0).isLessThan(3000);
        assertThat(storedOffsets(topic)).isEqualTo(landedBeforeCrash);

        var second = sink(topic, writer());
        second.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> storedOffsets(topic) == 3000);
            assertThat(rows(tenant)).isEqualTo(3000);
            long distinct = jdbi.withHandle(h -> h.createQuery("SELECT count(DISTINCT memory_id) FROM memories "
                    + "WHERE tenant_id = :t").bind("t", tenant).mapTo(Long.class).one());
            assertThat(distinct).isEqualTo(3000);
        } finally {
            second.stop();
        }
    }

    @Test
    void lagIsZeroAtRestThoughEveryTransactionLeavesAMarkerAndGrowsWhileRecordsWait() throws Exception {
        String topic = newTopic();
        String tenant = "t" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        List<List<MemoryChanged>> first = new ArrayList<>();
        List<List<MemoryChanged>> second = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            List<MemoryChanged> transaction = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                transaction.add(change(tenant, "user-" + (t * 4 + i) % 5, UUID.randomUUID(), 1, "m" + t + "-" + i,
                        t * 4 + i));
            }
            (t < 3 ? first : second).add(transaction);
        }
        // Holds the sink inside the write of the second lot, as a slow or stuck Postgres would.
        AtomicBoolean hold = new AtomicBoolean();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        MemoriesProjectionWriter real = writer();
        ProjectionWriter<SpecificRecord> holdable = new ProjectionWriter<>() {
            @Override
            public String projection() {
                return real.projection();
            }

            @Override
            public void prepare(List<ConsumerRecord<String, SpecificRecord>> batch) {
                real.prepare(batch);
            }

            @Override
            public void write(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
                if (hold.get()) {
                    holding.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                real.write(transaction, batch);
            }
        };
        var sink = sink(topic, holdable);
        var metrics = new SimpleMeterRegistry();
        ProjectionSinks.registerGauges(metrics, sink, "memories", 1);
        produceInTransactions(topic, first);
        sink.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> rows(tenant) == 12);
            // The log holds a commit marker after each transaction: end offsets minus stored offsets is not 0.
            assertThat(endOffsets(topic) - storedOffsets(topic)).isPositive();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(gauge(metrics, "mnemo.processors.sink.lag.records")).isZero();
                assertThat(gauge(metrics, "mnemo.processors.sink.lag.seconds")).isZero();
            });
            assertReadCommittedConsumerAtTheEndKnowsItHasNoLag(topic);

            hold.set(true);
            produceInTransactions(topic, second);
            assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(gauge(metrics, "mnemo.processors.sink.lag.records")).isBetween(1.0, 12.0);
                // counted when read, so it grows while the sink is held
                assertThat(gauge(metrics, "mnemo.processors.sink.lag.seconds")).isGreaterThan(0.5);
            });

            hold.set(false);
            release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> rows(tenant) == 24);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(gauge(metrics, "mnemo.processors.sink.lag.records")).isZero();
                assertThat(gauge(metrics, "mnemo.processors.sink.lag.seconds")).isZero();
            });
            // the held batch is in the batch timer: its transaction took at least as long as it was held
            var batches = metrics.get("mnemo.processors.sink.batch").tag("projection", "memories").tag("writer", "1")
                    .functionTimer();
            assertThat(batches.count()).isGreaterThanOrEqualTo(2);
            assertThat(batches.totalTime(TimeUnit.SECONDS)).isGreaterThan(0.5);
            assertThat(endOffsets(topic) - storedOffsets(topic)).isPositive();
        } finally {
            release.countDown();
            sink.stop();
        }
    }

    /**
     * What the gauge rests on: a read_committed consumer resumed from the stored offsets (just before the last
     * marker of each partition) moves past the marker when it fetches, so its lag is known and 0, not unknown.
     */
    private static void assertReadCommittedConsumerAtTheEndKnowsItHasNoLag(String topic) {
        Map<Integer, Long> stored = jdbi.withHandle(h -> ProjectionOffsets.load(h, "memories", topic));
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            partitions.forEach(p -> consumer.seek(p, stored.getOrDefault(p.partition(), 0L)));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(10)).pollInSameThread().untilAsserted(() -> {
                assertThat(consumer.poll(Duration.ofMillis(100))).isEmpty();
                for (TopicPartition partition : partitions) {
                    assertThat(consumer.currentLag(partition)).as("lag of %s", partition).hasValue(0);
                    assertThat(consumer.position(partition)).as("position of %s", partition)
                            .isEqualTo(end.get(partition));
                }
            });
        }
    }

    private static double gauge(SimpleMeterRegistry metrics, String name) {
        return metrics.get(name).tag("projection", "memories").tag("writer", "1").gauge().value();
    }

    private static long endOffsets(String topic) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()),
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    @Test
    void createsMonthsAheadAndOldMonthsOnDemandEachWithHashSubPartitions() {
        var partitions = new MemoryPartitions(jdbi, 8);
        partitions.ensureAhead(Instant.parse("2031-01-15T00:00:00Z"), 3);
        partitions.ensureFor(List.of(Instant.parse("1999-12-31T23:59:59Z")));
        partitions.ensureFor(List.of(Instant.parse("1999-12-31T23:59:59Z")));

        for (String month : List.of("memories_p203101", "memories_p203102", "memories_p203103", "memories_p203104",
                "memories_p199912")) {
            long leaves = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM pg_inherits "
                    + "WHERE inhparent = CAST(:month AS regclass)").bind("month", month).mapTo(Long.class).one());
            assertThat(leaves).as(month).isEqualTo(8);
        }
        boolean fifthMonth = jdbi.withHandle(h -> h.createQuery("SELECT to_regclass('memories_p203105') IS NOT NULL")
                .mapTo(Boolean.class).one());
        assertThat(fifthMonth).isFalse();
    }

    @Test
    void keepsRetryingWhilePostgresIsDownAndResumesWithoutLossOrDoubles() throws Exception {
        String topic = newTopic();
        String tenant = "t" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        List<MemoryChanged> first = new ArrayList<>();
        List<MemoryChanged> second = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            (i < 1000 ? first : second).add(change(tenant, "user-" + (i % 7), UUID.randomUUID(), 1, "m" + i, i));
        }
        var sink = sink(topic, writer());
        sink.start();
        try {
            produce(topic, first);
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 1000);

            devstack.primaryServer().stop();
            produce(topic, second);
            await().atMost(Duration.ofSeconds(30)).until(() -> !sink.isHealthy());
            devstack.primaryServer().start();

            await().atMost(Duration.ofSeconds(60)).until(() -> storedOffsets(topic) == 2000);
            assertThat(sink.isHealthy()).isTrue();
            assertThat(rows(tenant)).isEqualTo(2000);
        } finally {
            if (!devstack.primaryServer().isRunning()) {
                devstack.primaryServer().start();
            }
            sink.stop();
        }
    }

    private static MemoryChanged deleted(String tenant, String user, UUID memoryId, long version) {
        return MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId(user)
                .setMemoryId(memoryId).setVersion(version).setKind(MemoryChangeKind.DELETED).setState(null)
                .setSourcePartition(WATERMARK_FREE_PARTITION).setSourceOffset(version).build();
    }

    private static MemoryChanged movedTo(MemoryChanged base, Instant occurredAt, long version) {
        // Built field by field: Avro's copy-builders load the enum class by name, which its class-trust check
        // refuses outside the serde.
        MemoryState state = base.getState();
        return MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(base.getTenantId())
                .setUserId(base.getUserId()).setMemoryId(base.getMemoryId()).setVersion(version)
                .setKind(MemoryChangeKind.UPSERTED)
                .setState(MemoryState.newBuilder().setOccurredAt(occurredAt).setRecordedAt(state.getRecordedAt())
                        .setContent(state.getContent()).setTags(state.getTags()).setAttributes(state.getAttributes())
                        .setMediaIds(state.getMediaIds()).setMedia(state.getMedia()).build())
                .setSourcePartition(WATERMARK_FREE_PARTITION).setSourceOffset(version).build();
    }

    private static List<Instant> rowsOf(UUID memoryId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT occurred_at FROM memories WHERE memory_id = :id")
                .bind("id", memoryId).map((rs, ctx) -> rs.getObject(1, java.time.OffsetDateTime.class).toInstant())
                .list());
    }

    @Test
    void aForgottenMemoryLeavesTheProjectionAndALateOlderVersionDoesNotBringItBack() throws Exception {
        String topic = newTopic();
        String tenant = "t" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        UUID memoryId = UUID.randomUUID();
        MemoryChanged v1 = change(tenant, "carol", memoryId, 1, "to be forgotten", 0);
        var sink = sink(topic, writer());
        sink.start();
        try {
            produce(topic, List.of(v1));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 1);
            assertThat(rowsOf(memoryId)).hasSize(1);

            produce(topic, List.of(deleted(tenant, "carol", memoryId, 2)));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 2);
            assertThat(rowsOf(memoryId)).isEmpty();

            produce(topic, List.of(v1));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 3);
            assertThat(rowsOf(memoryId)).isEmpty();
        } finally {
            sink.stop();
        }
    }

    @Test
    void aRevisionThatMovesOccurredAtMovesTheRowToItsNewMonth() throws Exception {
        String topic = newTopic();
        String tenant = "t" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        UUID memoryId = UUID.randomUUID();
        MemoryChanged v1 = change(tenant, "dave", memoryId, 1, "moving", 0);
        Instant newTime = Instant.parse("2019-06-01T12:00:00Z");
        var sink = sink(topic, writer());
        sink.start();
        try {
            produce(topic, List.of(v1));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 1);
            produce(topic, List.of(movedTo(v1, newTime, 2)));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 2);
            assertThat(rowsOf(memoryId)).containsExactly(newTime);

            // the older version, replayed, changes nothing: no copy reappears in the old month
            produce(topic, List.of(v1));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 3);
            assertThat(rowsOf(memoryId)).containsExactly(newTime);
            var locator = jdbi.withHandle(h -> h.createQuery("SELECT version, deleted FROM memory_locator "
                    + "WHERE memory_id = :id").bind("id", memoryId).mapToMap().one());
            assertThat(locator).containsEntry("version", 2L).containsEntry("deleted", false);
        } finally {
            sink.stop();
        }
    }

    @Test
    void aMemoryWhoseMonthWentMissingLandsInTheDefaultPartitionAndMovesOutWhenTheMonthIsCreated() {
        String tenant = "t" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        MemoryPartitions partitions = new MemoryPartitions(jdbi, 8);
        MemoriesProjectionWriter writer = new MemoriesProjectionWriter(partitions);
        Instant lostMonth = Instant.parse("1990-01-15T10:00:00Z");
        MemoryChanged change = change(tenant, "alice", UUID.randomUUID(), 1, "in a lost month", 0);
        change.getState().setOccurredAt(lostMonth);
        var record = new ConsumerRecord<String, SpecificRecord>("memory-changes", 0, 0, tenant + "/alice", change);
        writer.prepare(List.of(record));
        // an operator drops the month while this sink still believes it exists
        jdbi.useHandle(h -> h.execute("DROP TABLE memories_p199001"));

        jdbi.useTransaction(h -> writer.write(h, List.of(record)));

        assertThat(partitions.rowsInDefaultPartition()).isGreaterThanOrEqualTo(1);
        long inDefault = jdbi.withHandle(h -> h.createQuery(
                "SELECT count(*) FROM memories_default WHERE tenant_id = :t").bind("t", tenant).mapTo(Long.class).one());
        assertThat(inDefault).isEqualTo(1);

        partitions.forgetKnownMonths();
        partitions.ensureFor(List.of(lostMonth));

        String home = jdbi.withHandle(h -> h.createQuery(
                "SELECT tableoid::regclass::text FROM memories WHERE tenant_id = :t").bind("t", tenant)
                .mapTo(String.class).one());
        assertThat(home).startsWith("memories_p199001_h");
        assertThat(partitions.rowsInDefaultPartition()).isZero();
    }

    @Test
    void aChangeWhoseDataPostgresRefusesIsDeadLetteredAndTheOthersAroundItAreWritten() throws Exception {
        String topic = newTopic();
        String tenant = "t" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        List<MemoryChanged> changes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            changes.add(change(tenant, "alice", UUID.randomUUID(), 1, i == 7 ? "a NUL \u0000 in text" : "fine " + i, i));
        }
        RecordingPoison poison = new RecordingPoison();
        List<ConsumerRecord<String, SpecificRecord>> deadLettered = poison.records;
        var sink = new PostgresProjectionSink<SpecificRecord>(consumer(topic), topic, jdbi, writer(),
                Duration.ofMillis(100), Duration.ofSeconds(1), poison);
        produce(topic, changes);
        sink.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 20);
        } finally {
            sink.stop();
        }
        assertThat(rows(tenant)).isEqualTo(19);
        assertThat(deadLettered).singleElement().satisfies(record ->
                assertThat(((MemoryChanged) record.value()).getMemoryId()).isEqualTo(changes.get(7).getMemoryId()));
        assertThat(sink.deadLetteredRecords()).isEqualTo(1);
    }

    @Test
    void aRecordThatCannotBeDecodedIsDeadLetteredWithItsBytesAndTheSinkMovesOn() throws Exception {
        String topic = newTopic();
        String tenant = "t" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        byte[] garbage = {0, 0, 0, 0, 42, 1, 2, 3};
        try (var raw = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            // Under the same key as the good record after it: the same partition, so it sits in front of it.
            raw.send(new ProducerRecord<>(topic, tenant + "/alice", garbage)).get();
        }
        produce(topic, List.of(change(tenant, "alice", UUID.randomUUID(), 1, "after the garbage", 1)));
        RecordingPoison poison = new RecordingPoison();
        var sink = new PostgresProjectionSink<SpecificRecord>(consumer(topic), topic, jdbi, writer(),
                Duration.ofMillis(100), Duration.ofSeconds(1), poison);
        sink.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 2);
        } finally {
            sink.stop();
        }
        assertThat(rows(tenant)).isEqualTo(1);
        assertThat(poison.unreadable).singleElement().isEqualTo(garbage);
        assertThat(sink.deadLetteredRecords()).isEqualTo(1);
    }

    @Test
    void aRecordTheWriterFailsOnIsDeadLetteredInsteadOfRetriedForever() throws Exception {
        String topic = newTopic();
        String tenant = "t" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        List<MemoryChanged> changes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            changes.add(change(tenant, "alice", UUID.randomUUID(), 1, i == 2 ? "the writer trips on this" : "ok " + i, i));
        }
        MemoriesProjectionWriter real = writer();
        ProjectionWriter<SpecificRecord> buggy = new ProjectionWriter<>() {
            @Override
            public String projection() {
                return real.projection();
            }

            @Override
            public void write(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
                for (ConsumerRecord<String, SpecificRecord> record : batch) {
                    if (((MemoryChanged) record.value()).getState().getContent().startsWith("the writer trips")) {
                        throw new IllegalStateException("a bug in the writer");
                    }
                }
                real.write(transaction, batch);
            }
        };
        RecordingPoison poison = new RecordingPoison();
        var sink = new PostgresProjectionSink<SpecificRecord>(consumer(topic), topic, jdbi, buggy,
                Duration.ofMillis(100), Duration.ofSeconds(1), poison);
        produce(topic, changes);
        sink.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 5);
        } finally {
            sink.stop();
        }
        assertThat(rows(tenant)).isEqualTo(4);
        assertThat(poison.records).singleElement().satisfies(record ->
                assertThat(((MemoryChanged) record.value()).getMemoryId()).isEqualTo(changes.get(2).getMemoryId()));
    }

    @Test
    void storesTagsAttributesAndTimesExactlyWhateverCharactersTheyHold() throws Exception {
        String topic = newTopic();
        String tenant = "t" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000);
        List<String> tags = List.of("plain", "with \"quotes\"", "back\\slash", "comma, and {braces}", "NULL", "",
                "ünïcødé ✓");
        Map<String, String> attributes = Map.of("k\"ey", "v\\al", "emoji", "🙂", "empty", "");
        MemoryChanged change = change(tenant, "alice", UUID.randomUUID(), 1, "c", 0);
        change.setState(MemoryState.newBuilder().setOccurredAt(Instant.parse("2025-03-14T15:09:26.535897Z"))
                .setRecordedAt(Instant.parse("2026-11-01T00:00:00.000001Z")).setContent("c").setTags(tags)
                .setAttributes(attributes).setMediaIds(List.of("m\"1", "m,2")).setMedia(List.of()).build());
        var sink = sink(topic, writer());
        sink.start();
        try {
            produce(topic, List.of(change));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 1);
        } finally {
            sink.stop();
        }
        var row = jdbi.withHandle(h -> h.createQuery("""
                        SELECT tags, media_ids, attributes::text AS attributes, occurred_at, recorded_at
                        FROM memories WHERE memory_id = :id""")
                .bind("id", change.getMemoryId()).mapToMap().one());
        assertThat((String[]) ((java.sql.Array) row.get("tags")).getArray()).containsExactlyElementsOf(tags);
        assertThat((String[]) ((java.sql.Array) row.get("media_ids")).getArray()).containsExactly("m\"1", "m,2");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readValue((String) row.get("attributes"),
                Map.class)).isEqualTo(attributes);
        assertThat(((java.sql.Timestamp) row.get("occurred_at")).toInstant())
                .isEqualTo(Instant.parse("2025-03-14T15:09:26.535897Z"));
        assertThat(((java.sql.Timestamp) row.get("recorded_at")).toInstant())
                .isEqualTo(Instant.parse("2026-11-01T00:00:00.000001Z"));
    }

    private static KafkaConsumer<String, SpecificRecord> consumer(String topic) {
        return new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "group-" + topic,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ConfluentAvroDeserializer(registry));
    }

    /** Dead letters as the sink hands them over. */
    private static final class RecordingPoison implements PostgresProjectionSink.PoisonRecords<SpecificRecord> {
        final List<ConsumerRecord<String, SpecificRecord>> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<byte[]> unreadable = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void deadLetter(ConsumerRecord<String, SpecificRecord> record, Throwable reason) {
            records.add(record);
        }

        @Override
        public void deadLetterUnreadable(String topic, int partition, long offset, byte[] key, byte[] value,
                                         Throwable reason) {
            unreadable.add(value);
        }
    }
}
