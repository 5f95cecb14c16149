package io.mnemo.processors.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.processors.ProcessorsApplication;
import io.mnemo.processors.reconcile.MemoriesReconciler;
import io.mnemo.processors.topology.MemoryChangesTopology;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.serde.ConfluentAvroDeserializer;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The processors as deployed (own JVMs, shipped YAML) on the real broker, Postgres and S3: a SIGKILL in the
 * middle of a load, and two instances with rebalances in the middle of a load, each followed by a comparison of
 * the projection with the script that was produced and with the fold of the change log.
 */
@ExtendWith(DevstackExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProcessingIT {
    private static final Duration SETTLE = Duration.ofSeconds(180);
    private static Devstack devstack;
    private static Jdbi jdbi;
    private static HttpSchemaRegistryClient registry;
    private static final List<ProcessorsProcess> running = new ArrayList<>();

    @BeforeAll
    static void startOneInstance() throws Exception {
        devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        jdbi = Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password());
        registry = new HttpSchemaRegistryClient(devstack.schemaRegistryUrl());
        // provisions the topics too
        running.add(ProcessorsProcess.start("processors-a", devstack, stateDir(), 0));
    }

    @AfterAll
    static void stopAll() throws Exception {
        for (ProcessorsProcess process : running) {
            process.stop();
        }
    }

    private static Path stateDir() throws java.io.IOException {
        return Files.createTempDirectory("processors-it-state");
    }

    static KafkaProducer<String, SpecificRecord> producer() {
        return new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new ConfluentAvroSerializer(registry, true));
    }

    /** Sends the load at about {@code perSecond} events/s in the background, so processing overlaps it. */
    private static CompletableFuture<Void> sendPaced(EventLoad load, int perSecond) {
        return CompletableFuture.runAsync(() -> {
            try (var producer = producer()) {
                int chunk = Math.max(1, perSecond / 10);
                for (int i = 0; i < load.records.size(); i += chunk) {
                    for (ProducerRecord<String, SpecificRecord> record
                            : load.records.subList(i, Math.min(i + chunk, load.records.size()))) {
                        producer.send(record);
                    }
                    producer.flush();
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    private static long rows(String tenant) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM memories WHERE tenant_id = :t")
                .bind("t", tenant).mapTo(Long.class).one());
    }

    /** Waits until the tenant's projection has settled on the script's expectation, then compares everything. */
    private static void assertProjectionIsExactly(EventLoad load) {
        await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            var totals = jdbi.withHandle(h -> h.createQuery(
                            "SELECT count(*) AS n, coalesce(sum(version), 0) AS v FROM memories WHERE tenant_id = :t")
                    .bind("t", load.tenant).mapToMap().one());
            assertThat(((Number) totals.get("n")).longValue()).isEqualTo(load.live());
            assertThat(((Number) totals.get("v")).longValue()).isEqualTo(load.liveVersionSum());
        });
        Map<UUID, EventLoad.Expected> actual = new HashMap<>();
        jdbi.useHandle(h -> h.createQuery("""
                        SELECT user_id, memory_id, content, occurred_at, version FROM memories WHERE tenant_id = :t""")
                .bind("t", load.tenant)
                .map((rs, ctx) -> new EventLoad.Expected(rs.getString("user_id"),
                        UUID.fromString(rs.getString("memory_id")), rs.getString("content"),
                        rs.getTimestamp("occurred_at").toInstant(), rs.getLong("version"), false))
                .forEach(e -> assertThat(actual.put(e.memoryId(), e)).as("one row per memory").isNull()));
        Map<UUID, EventLoad.Expected> live = new HashMap<>(load.expected);
        live.values().removeIf(EventLoad.Expected::deleted);
        assertThat(actual).isEqualTo(live);

        MemoriesReconciler.Report report = reconcile(load.tenant);
        assertThat(report.differences()).isEmpty();
        assertThat(report.liveInLog()).isEqualTo(load.live());
        assertThat(report.memoriesInLog()).isEqualTo(load.expected.size());
    }

    /** Members of a consumer group with partitions assigned. */
    private static int members(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()))) {
            return (int) admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().stream()
                    .filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
        }
    }

    static MemoriesReconciler.Report reconcile(String tenant) {
        try (var consumer = new KafkaConsumer<String, SpecificRecord>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000),
                new StringDeserializer(), new ConfluentAvroDeserializer(registry))) {
            return new MemoriesReconciler(jdbi).reconcile(consumer, tenant::equals);
        }
    }

    @Test
    @Order(1)
    void aProcessorKilledMidBatchAndRestartedLeavesExactlyTheExpectedProjection() throws Exception {
        EventLoad load = new EventLoad("kill-" + UUID.randomUUID(), 40, 4_000, 41);
        CompletableFuture<Void> sending = sendPaced(load, 2_000);
        await().atMost(Duration.ofSeconds(60)).until(() -> rows(load.tenant) >= 800);

        ProcessorsProcess victim = running.remove(0);
        victim.kill();
        long rowsAtKill = rows(load.tenant);
        sending.get(120, TimeUnit.SECONDS);
        assertThat(rowsAtKill).as("killed in the middle of the load").isLessThan(load.live());

        // restarted on the same host: same state directory, with the unflushed state of the killed JVM
        running.add(ProcessorsProcess.start("processors-a-restarted", devstack, victim.stateDir(), 0));
        assertProjectionIsExactly(load);
    }

    @Test
    @Order(2)
    void twoInstancesShareThePartitionsAndRebalancesMidLoadLoseAndDoubleNothing() throws Exception {
        EventLoad load = new EventLoad("rebalance-" + UUID.randomUUID(), 60, 12_000, 42);
        CompletableFuture<Void> sending = sendPaced(load, 1_000);
        await().atMost(Duration.ofSeconds(60)).until(() -> rows(load.tenant) >= load.live() / 20);

        // a second instance joins: the partitions (Streams tasks and sink partitions) are split between the two
        ProcessorsProcess second = ProcessorsProcess.start("processors-b", devstack, stateDir(), 1);
        running.add(second);
        await().atMost(Duration.ofSeconds(60)).until(() -> members(MemoryChangesTopology.APPLICATION_ID) == 2
                && members(ProcessorsApplication.MEMORIES_SINK_GROUP) == 2);
        await().atMost(Duration.ofSeconds(60)).until(() -> rows(load.tenant) >= load.live() * 11 / 20);
        assertThat(sending).as("the load is still being sent").isNotDone();

        // the first one leaves while the load continues: the second takes everything over
        ProcessorsProcess first = running.remove(0);
        first.stop();
        sending.get(120, TimeUnit.SECONDS);

        assertProjectionIsExactly(load);
        assertThat(second.isAlive()).isTrue();
    }

    @Test
    @Order(3)
    void theReconcilerReportsRowsThatDoNotMatchTheLog() {
        String tenant = jdbi.withHandle(h -> h.createQuery(
                "SELECT tenant_id FROM memories WHERE tenant_id LIKE 'rebalance-%' LIMIT 1").mapTo(String.class).one());
        assertThat(reconcile(tenant).isClean()).isTrue();
        UUID corrupted = jdbi.withHandle(h -> h.createQuery(
                "SELECT memory_id FROM memories WHERE tenant_id = :t ORDER BY memory_id LIMIT 1")
                .bind("t", tenant).mapTo(UUID.class).one());
        UUID removed = jdbi.withHandle(h -> h.createQuery(
                "SELECT memory_id FROM memories WHERE tenant_id = :t ORDER BY memory_id DESC LIMIT 1")
                .bind("t", tenant).mapTo(UUID.class).one());
        try {
            jdbi.useHandle(h -> {
                h.execute("UPDATE memories SET content = 'corrupted by hand' WHERE tenant_id = ? AND memory_id = ?",
                        tenant, corrupted);
                h.execute("DELETE FROM memories WHERE tenant_id = ? AND memory_id = ?", tenant, removed);
                h.execute("""
                        INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content,
                                              version, source_partition, source_offset)
                        VALUES (?, 'user-0', ?, ?, now(), 'never in the log', 1, 0, 0)""",
                        tenant, java.sql.Timestamp.from(Instant.parse("2026-06-01T00:00:00Z")), UUID.randomUUID());
            });

            var kinds = reconcile(tenant).differences().stream().map(d -> d.kind()).toList();
            assertThat(kinds).containsExactlyInAnyOrder(MemoriesReconciler.Difference.Kind.STALE,
                    MemoriesReconciler.Difference.Kind.MISSING, MemoriesReconciler.Difference.Kind.UNEXPECTED);
        } finally {
            jdbi.useHandle(h -> h.execute("DELETE FROM memories WHERE tenant_id = ?", tenant));
        }
    }
}
