package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.ingest.IngestConfiguration;
import io.mnemo.processors.ProcessorsConfiguration;
import io.mnemo.processors.rebuild.MemoriesRebuild;
import io.mnemo.query.QueryConfiguration;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code mnemo rebuild} on the running platform: a rebuild while producers keep writing and analysts keep reading
 * swaps in a copy equal to the live table with no reader error, and every accepted memory is in the projection
 * exactly once afterwards; a rebuild killed half-way resumes from its stored offsets; a kept old copy can be
 * swapped back.
 */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RebuildCommandIT {
    static final Devstack DEVSTACK = DevstackExtension.devstack();
    static final String TENANT = "rb-" + UUID.randomUUID().toString().substring(0, 8);
    static final String API_KEY = PlatformApps.apiKey(DEVSTACK, TENANT);
    static final DropwizardAppExtension<ProcessorsConfiguration> PROCESSORS = PlatformApps.processors(DEVSTACK);
    static final DropwizardAppExtension<IngestConfiguration> INGEST = PlatformApps.ingest(DEVSTACK);
    static final DropwizardAppExtension<QueryConfiguration> QUERY = PlatformApps.query(DEVSTACK);
    static final int USERS = 16;

    private static Jdbi primary() {
        var pg = DEVSTACK.primary();
        return Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password());
    }

    private static long rowsOf(String tenant) {
        return primary().withHandle(h -> h.createQuery("SELECT count(*) FROM memories WHERE tenant_id = :t")
                .bind("t", tenant).mapTo(Long.class).one());
    }

    /** Posts one batch of memories; returns memory id → user of the items ingest accepted (all, or it fails). */
    private static Map<String, String> postBatch(Client client, String prefix, int round, int size) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            int n = round * size + i;
            items.add(Map.of("userId", "user-" + (n % USERS), "idempotencyKey", prefix + n, "occurredAt",
                    Instant.parse("2026-08-01T00:00:00Z").plus(Duration.ofMinutes(53L * (n % 3000))).toString(),
                    "content", "rebuild memory " + n, "tags", List.of("rb", "t" + (n % 5))));
        }
        Response response = client.target("http://127.0.0.1:" + INGEST.getLocalPort()).path("/v1/memories:batch")
                .request().header("Authorization", "Bearer " + API_KEY).post(Entity.json(Map.of("items", items)));
        assertThat(response.getStatus()).isEqualTo(202);
        Map<String, String> ids = new java.util.LinkedHashMap<>();
        response.readEntity(JsonNode.class).get("results").forEach(r -> ids.put(r.get("memoryId").asText(),
                (String) items.get(r.get("index").asInt()).get("userId")));
        return ids;
    }

    @Test
    @Order(1)
    void aRebuildUnderIngestLoadSwapsInAnEqualCopyWithoutAReaderError() throws Exception {
        Client client = INGEST.client();
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        Map<String, String> users = new java.util.LinkedHashMap<>();
        for (int round = 0; round < 10; round++) {
            users.putAll(postBatch(client, "rb-", round, 200));
        }
        accepted.addAll(users.keySet());
        // revise and forget some, so the log holds several versions and deletions
        List<String> some = new ArrayList<>(users.keySet()).subList(0, 60);
        for (int i = 0; i < some.size(); i++) {
            String id = some.get(i);
            String user = users.get(id);
            var target = client.target("http://127.0.0.1:" + INGEST.getLocalPort())
                    .path("/v1/users/" + user + "/memories/" + id).request().header("Authorization", "Bearer " + API_KEY);
            Response response = i % 3 == 0 ? target.delete()
                    : target.method("PATCH", Entity.json(Map.of("content", "revised " + i, "tags", List.of("rev"))));
            assertThat(response.getStatus()).isEqualTo(202);
            response.close();
            if (i % 3 == 0) {
                accepted.remove(id);
            }
        }

        // the rebuild copies the live position: let the live sink hold the seed first, so the copy has work to do
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(rowsOf(TENANT)).isEqualTo(accepted.size()));

        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> readerErrors = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> background = new ArrayList<>();
        background.add(pool.submit(() -> {
            for (int round = 0; !stop.get(); round++) {
                accepted.addAll(postBatch(client, "rb-load-", round, 50).keySet());
                TimeUnit.MILLISECONDS.sleep(20);
            }
            return null;
        }));
        for (int reader = 0; reader < 2; reader++) {
            int r = reader;
            background.add(pool.submit(() -> {
                Client readClient = QUERY.client();
                for (int n = 0; !stop.get(); n++) {
                    String user = "user-" + ((n * 2 + r) % USERS);
                    try {
                        var list = readClient.target("http://127.0.0.1:" + QUERY.getLocalPort())
                                .path("/v1/users/" + user + "/memories").queryParam("limit", 20);
                        // lists, tag filters and searches (memory_search joined to the tables being swapped)
                        var filtered = n % 3 == 0 ? list.queryParam("tag", "rb")
                                : n % 3 == 1 ? list.queryParam("q", "memory") : list;
                        Response response = filtered.request().header("Authorization", "Bearer " + API_KEY).get();
                        if (response.getStatus() != 200) {
                            readerErrors.add(response.getStatus() + " " + response.readEntity(String.class));
                        } else {
                            JsonNode items = response.readEntity(JsonNode.class).get("items");
                            if (items.size() > 0) {
                                String id = items.get(0).get("memoryId").asText();
                                Response one = readClient.target("http://127.0.0.1:" + QUERY.getLocalPort())
                                        .path("/v1/users/" + user + "/memories/" + id).request()
                                        .header("Authorization", "Bearer " + API_KEY).get();
                                // 404 is a fair answer for a memory forgotten meanwhile; anything else is not
                                if (one.getStatus() != 200 && one.getStatus() != 404) {
                                    readerErrors.add("by id " + one.getStatus() + " " + one.readEntity(String.class));
                                }
                                one.close();
                            }
                        }
                        reads.incrementAndGet();
                    } catch (RuntimeException e) {
                        readerErrors.add(e.toString());
                    }
                }
                return null;
            }));
        }

        StringWriter out = new StringWriter();
        int exit;
        try {
            TimeUnit.SECONDS.sleep(1);
            exit = ChangeLogFixture.mnemo(out, "rebuild", "--projection", "memories", "--json");
            TimeUnit.SECONDS.sleep(1);
        } finally {
            stop.set(true);
            for (Future<?> task : background) {
                task.get(60, TimeUnit.SECONDS);
            }
            pool.shutdownNow();
        }
        System.out.println("rebuild under load: " + out);
        assertThat(exit).as(out.toString()).isZero();
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertThat(report.get("swapped").asBoolean()).isTrue();
        assertThat(report.get("recordsApplied").asLong()).isGreaterThanOrEqualTo(2_000);
        // this tenant's rows and checksums in the copy were those of the live table at the swap
        List<String> differing = new ArrayList<>();
        report.get("tenantsDifferingFromLive").forEach(t -> differing.add(t.asText()));
        assertThat(differing).doesNotContain(TENANT);
        assertThat(readerErrors).as("reader errors during the rebuild").isEmpty();
        assertThat(reads.get()).isGreaterThan(10);

        // the live sink carries on into the swapped-in tables: every accepted memory, exactly once
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(rowsOf(TENANT)).isEqualTo(accepted.size()));
        Set<String> ids = Set.copyOf(primary().withHandle(h -> h.createQuery(
                "SELECT memory_id::text FROM memories WHERE tenant_id = :t").bind("t", TENANT).mapTo(String.class).list()));
        assertThat(ids).isEqualTo(accepted);
        // search is its own projection, left alone by the rebuild of memories: it holds the words of exactly the
        // live rows' versions, and a search through the swapped-in tables finds them
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(Set.copyOf(primary().withHandle(h -> h
                .createQuery("SELECT s.memory_id::text FROM memory_search s JOIN memories m"
                        + " USING (tenant_id, user_id, memory_id) WHERE s.tenant_id = :t AND s.version = m.version"
                        + " AND s.words = to_tsvector('simple', m.content)")
                .bind("t", TENANT).mapTo(String.class).list()))).isEqualTo(accepted));
        String searchedUser = users.get(some.get(1));
        Response searched = QUERY.client().target("http://127.0.0.1:" + QUERY.getLocalPort())
                .path("/v1/users/" + searchedUser + "/memories").queryParam("q", "revised 1").request()
                .header("Authorization", "Bearer " + API_KEY).get();
        assertThat(searched.getStatus()).isEqualTo(200);
        JsonNode hits = searched.readEntity(JsonNode.class).get("items");
        assertThat(hits).hasSize(1);
        assertThat(hits.get(0).get("memoryId").asText()).isEqualTo(some.get(1));
        StringWriter reconcile = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(reconcile, "reconcile", "--tenant", TENANT)).as(reconcile.toString()).isZero();
        assertThat(schemas()).noneMatch(s -> s.startsWith("mnemo_rebuild_") || s.startsWith("mnemo_retired_"));
        StringWriter status = new StringWriter();
        // 0 or 1 (healthy or not, by the lag of this stack's consumers); 2 would be an error of the command
        assertThat(ChangeLogFixture.mnemo(status, "status")).as(status.toString()).isIn(0, 1);
        assertThat(status.toString()).contains("rebuild of memories  swapped");
    }

    @Test
    @Order(2)
    void aRebuildKilledHalfWayResumesWhereItStoppedAndAKeptCopyCanBeSwappedBack() throws Exception {
        String tenant = "rk-" + UUID.randomUUID().toString().substring(0, 8);
        int changes = 120_000;
        publishChanges(tenant, changes);
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(rowsOf(tenant)).isEqualTo(changes));

        var pg = DEVSTACK.primary();
        Path log = Files.createDirectories(Path.of("target", "rebuild-it")).resolve("killed-rebuild.log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), "io.mnemo.cli.MnemoCli",
                "rebuild", "--projection", "memories", "--batch", "250",
                "--jdbc-url", pg.jdbcUrl(), "--user", pg.user(), "--password=" + (pg.password() == null ? "" : pg.password()),
                "--bootstrap", DEVSTACK.kafkaBootstrap(), "--schema-registry", DEVSTACK.schemaRegistryUrl())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> storedInCopy() >= 20_000);
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        long storedAtKill = storedInCopy();
        assertThat(schemas()).contains(MemoriesRebuild.CANDIDATE);
        assertThat(Files.readString(log)).doesNotContain("Swapped");

        StringWriter out = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(out, "rebuild", "--projection", "memories", "--keep-old", "--json"))
                .as(out.toString()).isZero();
        System.out.println("resumed rebuild: " + out);
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertThat(report.get("resumed").asBoolean()).isTrue();
        assertThat(report.get("swapped").asBoolean()).isTrue();
        long logRecords = endOfChangeLog();
        // resumed, not restarted: the records before the kill were not applied again
        assertThat(report.get("recordsApplied").asLong()).isLessThanOrEqualTo(logRecords - storedAtKill);
        assertThat(report.get("tenantsDifferingFromLive").toString()).doesNotContain(tenant);
        String retired = report.get("retiredSchema").asText();
        assertThat(schemas()).contains(retired).doesNotContain(MemoriesRebuild.CANDIDATE);
        assertThat(rowsOf(tenant)).isEqualTo(changes);

        StringWriter back = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(back, "rebuild", "--projection", "memories", "--restore", retired))
                .as(back.toString()).isZero();
        assertThat(back.toString()).contains("Swapped");
        assertThat(schemas()).doesNotContain(retired);
        assertThat(rowsOf(tenant)).isEqualTo(changes);
        StringWriter reconcile = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(reconcile, "reconcile", "--tenant", tenant)).as(reconcile.toString()).isZero();
    }

    @Test
    @Order(3)
    void aRebuildReplacesALiveTableDamagedByHandWithTheFoldOfTheLog() throws Exception {
        String tenant = "rd-" + UUID.randomUUID().toString().substring(0, 8);
        publishChanges(tenant, 300);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(rowsOf(tenant)).isEqualTo(300));
        primary().useHandle(h -> {
            h.execute("UPDATE memories SET content = 'damaged' WHERE tenant_id = ? AND user_id = 'u1'", tenant);
            h.execute("DELETE FROM memories WHERE tenant_id = ? AND user_id = 'u2'", tenant);
        });
        assertThat(ChangeLogFixture.mnemo(new StringWriter(), "reconcile", "--tenant", tenant))
                .isEqualTo(ReconcileCommand.DIFFERENCES);

        StringWriter out = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(out, "rebuild", "--projection", "memories", "--json")).as(out.toString())
                .isZero();
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertThat(report.get("swapped").asBoolean()).isTrue();
        assertThat(report.get("tenantsDifferingFromLive").toString()).contains(tenant);
        assertThat(report.get("verified").asBoolean()).isTrue();
        StringWriter reconcile = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(reconcile, "reconcile", "--tenant", tenant)).as(reconcile.toString()).isZero();
        assertThat(rowsOf(tenant)).isEqualTo(300);
    }

    @Test
    @Order(4)
    void aRebuildIsRefusedWhileAReplayOfTheSameProjectionRuns() throws Exception {
        try (var holder = primary().open()) {
            assertThat(io.mnemo.processors.db.MaintenanceLock.tryAcquire(holder, "memories")).isTrue();
            StringWriter refused = new StringWriter();
            assertThat(ChangeLogFixture.mnemo(refused, "rebuild", "--projection", "memories"))
                    .isEqualTo(RebuildCommand.REFUSED);
            assertThat(refused.toString()).contains("is running; refused");
        }
    }

    private static long storedInCopy() {
        return primary().withHandle(h -> {
            boolean exists = h.createQuery("SELECT to_regclass('mnemo_rebuild_memories.projection_offsets') IS NOT NULL")
                    .mapTo(Boolean.class).one();
            return !exists ? 0L : h.createQuery("SELECT coalesce(sum(next_offset), 0) FROM "
                    + "mnemo_rebuild_memories.projection_offsets").mapTo(Long.class).one();
        });
    }

    private static long endOfChangeLog() {
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(Map.<String, Object>of(
                "bootstrap.servers", DEVSTACK.kafkaBootstrap()),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(Topics.MEMORY_CHANGES.name()).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static List<String> schemas() {
        return primary().withHandle(h -> h.createQuery("SELECT nspname FROM pg_namespace").mapTo(String.class).list());
    }

    /** Memory changes straight onto the change log (the live sink projects them), 2 versions for one in ten. */
    private static void publishChanges(String tenant, int count) throws Exception {
        try (var producer = new KafkaProducer<String, SpecificRecord>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, DEVSTACK.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024),
                new StringSerializer(), new ConfluentAvroSerializer(
                        new HttpSchemaRegistryClient(DEVSTACK.schemaRegistryUrl()), true))) {
            List<Future<?>> sends = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                UUID id = UUID.nameUUIDFromBytes((tenant + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                String user = "u" + (i % 50);
                int versions = i % 10 == 0 ? 2 : 1;
                for (int version = 1; version <= versions; version++) {
                    MemoryChanged change = MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant)
                            .setUserId(user).setMemoryId(id).setVersion(version).setKind(MemoryChangeKind.UPSERTED)
                            .setState(MemoryState.newBuilder()
                                    .setOccurredAt(Instant.parse("2026-05-01T00:00:00Z").plusSeconds(60L * i))
                                    .setRecordedAt(Instant.parse("2026-10-01T00:00:00Z"))
                                    .setContent("bulk memory " + i + " v" + version).setTags(List.of("bulk"))
                                    .setAttributes(Map.of("n", Integer.toString(i))).setMediaIds(List.of())
                                    .setMedia(List.of()).build())
                            .setSourcePartition(900).setSourceOffset(i * 2L + version).build();
                    sends.add(producer.send(new ProducerRecord<>(Topics.MEMORY_CHANGES.name(), tenant + "/" + user,
                            change)));
                }
            }
            for (Future<?> send : sends) {
                send.get();
            }
        }
    }
}
