package io.mnemo.query.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.kit.auth.ApiKeyStore;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.schemas.ProjectionMigrations;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The NDJSON export streams: 100,000 memories of ~1 KB (about 110 MB of JSON) through a query service whose
 * whole heap is 64 MB, in its own JVM started from the shipped YAML. Buffering the rows or the body would run
 * out of memory; streaming from a database cursor does not.
 */
@ExtendWith(DevstackExtension.class)
class ExportIT {
    private static final int ROWS = 100_000;
    private static final String HEAP = "64m";

    @Test
    void exportsOneHundredThousandMemoriesThroughASixtyFourMegabyteHeap() throws Exception {
        Devstack devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        Jdbi primary = Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()).installPlugin(new PostgresPlugin());
        String tenant = "export-" + UUID.randomUUID().toString().substring(0, 8);
        String key = new ApiKeyStore(primary).create(tenant, "export", Set.of(Scopes.MEMORIES_READ), 1_000, 1_000)
                .plaintext();
        primary.useHandle(h -> {
            for (String month : List.of("2025-03-01", "2025-04-01", "2025-05-01", "2025-06-01")) {
                h.createQuery("SELECT mnemo_ensure_memories_month(CAST(:m AS date), 8)").bind("m", month)
                        .mapTo(Boolean.class).one();
            }
            h.createUpdate("""
                    INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, tags,
                                          version, source_partition, source_offset)
                    SELECT :t, 'exporter', timestamptz '2025-06-01 00:00:00+00' - g * interval '1 minute',
                           gen_random_uuid(), now(), 'memory ' || g || ' ' || repeat('x', 1000), '{exported}', 1, 0, g
                    FROM generate_series(1, :n) AS g""").bind("t", tenant).bind("n", ROWS).execute();
        });
        String lsn = primary.withHandle(h -> h.createQuery("SELECT pg_current_wal_lsn()::text").mapTo(String.class).one());
        var replica = devstack.replicas().get(0);
        Jdbi standby = Jdbi.create(replica.jdbcUrl(), replica.user(), replica.password());
        await().atMost(Duration.ofSeconds(60)).until(() -> standby.withHandle(h -> h.createQuery(
                "SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)").bind("lsn", lsn).mapTo(Boolean.class).one()));

        TestEventLog.ensure();
        int port = freePort();
        int adminPort = freePort();
        Process query = startQueryService(devstack, port, adminPort);
        try {
            awaitHealthy(query, adminPort);
            HttpResponse<InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + port + "/v1/users/exporter/memories:export"))
                    .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
            assertThat(response.headers().firstValue("X-Mnemo-Read-Source")).hasValue("replica");

            ObjectMapper json = new ObjectMapper();
            long lines = 0;
            long bytes = 0;
            Instant previous = Instant.MAX;
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    bytes += line.length() + 1;
                    lines++;
                    if (lines == 1 || lines % 10_000 == 0) {
                        JsonNode memory = json.readTree(line);
                        Instant occurredAt = Instant.parse(memory.get("occurredAt").asText());
                        assertThat(occurredAt).isBefore(previous);
                        previous = occurredAt;
                        assertThat(memory.get("tags").get(0).asText()).isEqualTo("exported");
                    }
                }
            }
            assertThat(lines).isEqualTo(ROWS);
            assertThat(bytes).as("more JSON than the service's whole heap").isGreaterThan(100L * 1024 * 1024);
            assertThat(query.isAlive()).isTrue();

            theTenantsExportBeyondItsCapIs429AtOnceAndOtherTenantsAreUnaffected(port, key,
                    new ApiKeyStore(primary).create("other-" + tenant, "export", Set.of(Scopes.MEMORIES_READ), 1_000,
                            1_000).plaintext());
        } finally {
            query.toHandle().destroy();
            if (!query.waitFor(30, TimeUnit.SECONDS)) {
                query.destroyForcibly();
            }
            primary.useHandle(h -> h.execute("DELETE FROM memories WHERE tenant_id = ?", tenant));
        }
    }

    /**
     * Two exports whose clients do not read hold the tenant's two permits (the shipped default) while the service
     * waits to write; the third is 429 too-many-concurrent-exports with Retry-After at once, another tenant's export
     * is answered, and once the clients go away the tenant can export again.
     */
    private static void theTenantsExportBeyondItsCapIs429AtOnceAndOtherTenantsAreUnaffected(int port, String key,
                                                                                           String otherTenantKey)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI export = URI.create("http://127.0.0.1:" + port + "/v1/users/exporter/memories:export");
        List<InputStream> unread = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                HttpResponse<InputStream> held = http.send(HttpRequest.newBuilder(export)
                        .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofInputStream());
                assertThat(held.statusCode()).isEqualTo(200);
                unread.add(held.body());
            }
            long started = System.nanoTime();
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(export)
                    .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(new ObjectMapper().readTree(refused.body()).get("type").asText())
                    .isEqualTo("urn:mnemo:problem:too-many-concurrent-exports");

            HttpResponse<String> otherTenant = http.send(HttpRequest.newBuilder(export)
                    .header("Authorization", "Bearer " + otherTenantKey).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(otherTenant.statusCode()).isEqualTo(200);
        } finally {
            for (InputStream body : unread) {
                body.close();
            }
        }
        // the server notices the closed connections at its next write and returns the permits
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            HttpResponse<InputStream> again = http.send(HttpRequest.newBuilder(export)
                    .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofInputStream());
            again.body().close();
            return again.statusCode() == 200;
        });
    }

    private static Process startQueryService(Devstack devstack, int port, int adminPort) throws Exception {
        var pg = devstack.primary();
        var s3 = devstack.s3();
        Path log = Files.createDirectories(Path.of("target", "export-it")).resolve("query.log");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms" + HEAP, "-Xmx" + HEAP, "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-Duser.timezone=UTC", "-cp", System.getProperty("java.class.path"),
                "io.mnemo.devstack.DieWithParent", "io.mnemo.query.QueryApplication", "server", "query-service.yml"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(Map.ofEntries(
                Map.entry("MNEMO_KAFKA_BOOTSTRAP", devstack.kafkaBootstrap()),
                Map.entry("MNEMO_SCHEMA_REGISTRY_URL", devstack.schemaRegistryUrl()),
                Map.entry("MNEMO_PG_PRIMARY_URL", pg.jdbcUrl()),
                Map.entry("MNEMO_PG_REPLICA_URL", devstack.replicas().get(0).jdbcUrl()),
                Map.entry("MNEMO_PG_USER", "mnemo_query"),
                Map.entry("MNEMO_PG_PASSWORD", pg.password() == null ? "" : pg.password()),
                Map.entry("MNEMO_HTTP_PORT", Integer.toString(port)),
                Map.entry("MNEMO_ADMIN_PORT", Integer.toString(adminPort)),
                Map.entry("MNEMO_S3_ENDPOINT", s3.endpoint()),
                Map.entry("MNEMO_S3_REGION", s3.region()),
                Map.entry("MNEMO_S3_BUCKET", s3.bucket()),
                Map.entry("MNEMO_S3_ACCESS_KEY", s3.accessKey()),
                Map.entry("MNEMO_S3_SECRET_KEY", s3.secretKey())));
        return builder.start();
    }

    private static void awaitHealthy(Process process, int adminPort) {
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            assertThat(process.isAlive()).as("query service exited; see target/export-it/query.log").isTrue();
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/healthcheck"))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
