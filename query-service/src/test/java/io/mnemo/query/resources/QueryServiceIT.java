package io.mnemo.query.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.devstack.ServedOpenApi;
import io.mnemo.kit.auth.ApiKeyStore;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.query.QueryApplication;
import io.mnemo.query.QueryConfiguration;
import io.mnemo.schemas.ProjectionMigrations;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The query service on the devstack's primary and streaming replica, with projection rows written to the primary
 * the way the sinks write them: filters and paging, lookups, media links, activity, tenant isolation, replica
 * loss and lag, read-your-writes.
 */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QueryServiceIT {
    static final String PREFIX = "query-service-it";
    static final Jdbi PRIMARY = primary();
    /** Created before the service starts, with a count other than the shipped default: see TestEventLog. */
    static final int EVENT_PARTITIONS = TestEventLog.ensure();
    static final DropwizardAppExtension<QueryConfiguration> APP = app();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ApiKeyStore KEYS = new ApiKeyStore(PRIMARY);
    private static String tenant;
    private static String reader;
    private static String otherTenantReader;

    private static Jdbi primary() {
        var pg = DevstackExtension.devstack().primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        return Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()).installPlugin(new PostgresPlugin());
    }

    private static DropwizardAppExtension<QueryConfiguration> app() {
        var devstack = DevstackExtension.devstack();
        return new DropwizardAppExtension<>(QueryApplication.class, "query-service.yml", PREFIX,
                overrides(PREFIX, devstack.replicas().get(0).jdbcUrl(), devstack.primary().jdbcUrl()));
    }

    /** The test configuration of a query service under {@code prefix} reading these databases. */
    static ConfigOverride[] overrides(String prefix, String replicaUrl, String primaryUrl) {
        var devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        var replica = devstack.replicas().get(0);
        var s3 = devstack.s3();
        String password = pg.password() == null ? "" : pg.password();
        return new ConfigOverride[] {
                ConfigOverride.config(prefix, "replicas[0].url", replicaUrl),
                ConfigOverride.config(prefix, "replicas[0].user", "mnemo_query"),
                ConfigOverride.config(prefix, "replicas[0].password", password),
                ConfigOverride.config(prefix, "primary.url", primaryUrl),
                ConfigOverride.config(prefix, "primary.user", "mnemo_query"),
                ConfigOverride.config(prefix, "primary.password", password),
                ConfigOverride.config(prefix, "s3.endpoint", s3.endpoint()),
                ConfigOverride.config(prefix, "s3.region", s3.region()),
                ConfigOverride.config(prefix, "s3.bucket", s3.bucket()),
                ConfigOverride.config(prefix, "s3.accessKey", s3.accessKey()),
                ConfigOverride.config(prefix, "s3.secretKey", s3.secretKey()),
                ConfigOverride.config(prefix, "mediaLinkTtl", "3s"),
                ConfigOverride.config(prefix, "kafka.bootstrapServers", devstack.kafkaBootstrap()),
                ConfigOverride.config(prefix, "kafka.schemaRegistryUrl", devstack.schemaRegistryUrl()),
                ConfigOverride.config(prefix, "server.applicationConnectors[0].port", "0"),
                ConfigOverride.config(prefix, "server.adminConnectors[0].port", "0")};
    }

    @BeforeAll
    static void keys() {
        tenant = "qs-" + UUID.randomUUID().toString().substring(0, 8);
        reader = KEYS.create(tenant, "reader", Set.of(Scopes.MEMORIES_READ), 1_000_000, 1_000_000).plaintext();
        otherTenantReader = KEYS.create("other-" + tenant, "reader", Set.of(Scopes.MEMORIES_READ, Scopes.ANALYTICS_READ),
                1_000_000, 1_000_000).plaintext();
    }

    // ---- writing projection rows as the sinks do -------------------------------------------------------

    static void insertMemory(String tenantId, String user, UUID id, Instant occurredAt, String content,
                             List<String> tags) {
        PRIMARY.useTransaction(h -> {
            h.createQuery("SELECT mnemo_ensure_memories_month(:m, 8)")
                    .bind("m", LocalDate.ofInstant(occurredAt, java.time.ZoneOffset.UTC)).mapTo(Boolean.class).one();
        });
        PRIMARY.useTransaction(h -> {
            h.createUpdate("""
                            INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, tags,
                                                  version, source_partition, source_offset)
                            VALUES (:t, :u, :o, :id, now(), :c, :tags, 1, 0, 0)""")
                    .bind("t", tenantId).bind("u", user).bind("o", Timestamp.from(occurredAt)).bind("id", id)
                    .bind("c", content).bindArray("tags", String.class, tags).execute();
            h.createUpdate("""
                            INSERT INTO memory_locator (tenant_id, user_id, memory_id, occurred_at, version, deleted)
                            VALUES (:t, :u, :id, :o, 1, false)""")
                    .bind("t", tenantId).bind("u", user).bind("o", Timestamp.from(occurredAt)).bind("id", id).execute();
        });
        // the search sink's row: its own projection
        PRIMARY.useHandle(h -> h.createUpdate("""
                        INSERT INTO memory_search (tenant_id, user_id, memory_id, version, words)
                        VALUES (:t, :u, :id, 1, to_tsvector('simple', :c))""")
                .bind("t", tenantId).bind("u", user).bind("id", id).bind("c", content).execute());
    }

    static void advanceWatermark(int partition, long offset) {
        advanceWatermark("memories", partition, offset);
    }

    /**
     * As a sink does in its batch transaction: the projection reflects the partition up to the offset. The event
     * log is made to hold the offset and {@link #HEADROOM} more, so positions a little ahead of a projection are
     * real positions not reflected yet (a position past the log's end is refused with 400).
     */
    static void advanceWatermark(String projection, int partition, long offset) {
        TestEventLog.holdOffset(partition, offset + HEADROOM);
        PRIMARY.useHandle(h -> h.execute("""
                INSERT INTO projection_watermarks (projection, partition, applied_offset) VALUES (?, ?, ?)
                ON CONFLICT (projection, partition) DO UPDATE SET applied_offset = EXCLUDED.applied_offset""",
                projection, partition, offset));
    }

    static final int HEADROOM = 100;

    static long watermark(int partition) {
        return watermark("memories", partition);
    }

    static long watermark(String projection, int partition) {
        return PRIMARY.withHandle(h -> h.createQuery("SELECT coalesce(max(applied_offset), -1) FROM "
                + "projection_watermarks WHERE projection = :projection AND partition = :p")
                .bind("projection", projection).bind("p", partition).mapTo(Long.class).one());
    }

    /** An offset beyond every projection's watermark of the partition, so a test's positions are all new. */
    static long aboveEveryWatermark(int partition) {
        return PRIMARY.withHandle(h -> h.createQuery("SELECT coalesce(max(applied_offset), 0) FROM "
                + "projection_watermarks WHERE partition = :p").bind("p", partition).mapTo(Long.class).one()) + 1;
    }

    /** Waits until the replica has replayed everything the primary has written so far. */
    static void awaitReplica() {
        String lsn = PRIMARY.withHandle(h -> h.createQuery("SELECT pg_current_wal_lsn()::text").mapTo(String.class)
                .one());
        var replica = DevstackExtension.devstack().replicas().get(0);
        Jdbi standby = Jdbi.create(replica.jdbcUrl(), replica.user(), replica.password());
        await().atMost(Duration.ofSeconds(30)).until(() -> standby.withHandle(h -> h.createQuery(
                "SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)").bind("lsn", lsn).mapTo(Boolean.class)
                .one()));
    }

    // ---- HTTP ----------------------------------------------------------------------------------------

    static HttpResponse<String> get(String key, String path, String... headers) throws Exception {
        return getFrom(APP.getLocalPort(), key, path, headers);
    }

    static HttpResponse<String> getFrom(int port, String key, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + key);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static List<String> contents(HttpResponse<String> response) throws Exception {
        List<String> contents = new ArrayList<>();
        JSON.readTree(response.body()).get("items").forEach(item -> contents.add(item.get("content").asText()));
        return contents;
    }

    // ---- tests ---------------------------------------------------------------------------------------

    @Test
    void rateLimitTokensAreLeasedFromTheSharedBucketsThoughTheQueryRolesSessionsAreReadOnly() throws Exception {
        assertThat(get(reader, "/v1/users/leases/memories").statusCode()).isEqualTo(200);

        // the lease round writes the key's bucket on the primary as mnemo_query, from a read-only pool
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> PRIMARY.withHandle(
                h -> h.createQuery("SELECT count(*) FROM rate_limit_buckets WHERE bucket LIKE 'query:%'")
                        .mapTo(Long.class).one()) > 0);
    }

    @Test
    @Order(1)
    void filtersByTimeRangeTagsAndTextNewestFirstFromTheReplica() throws Exception {
        String user = "filters";
        insertMemory(tenant, user, UUID.randomUUID(), Instant.parse("2026-01-10T10:00:00Z"), "Walked by the river",
                List.of("walk", "outdoor"));
        insertMemory(tenant, user, UUID.randomUUID(), Instant.parse("2026-02-10T10:00:00Z"), "Cooked a river fish",
                List.of("food"));
        insertMemory(tenant, user, UUID.randomUUID(), Instant.parse("2026-03-10T10:00:00Z"), "Long walk in the hills",
                List.of("walk"));
        awaitReplica();

        HttpResponse<String> all = get(reader, "/v1/users/" + user + "/memories");
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.headers().firstValue("X-Mnemo-Read-Source")).hasValue("replica");
        assertThat(contents(all)).containsExactly("Long walk in the hills", "Cooked a river fish",
                "Walked by the river");
        assertThat(contents(get(reader, "/v1/users/" + user + "/memories?tag=walk")))
                .containsExactly("Long walk in the hills", "Walked by the river");
        assertThat(contents(get(reader, "/v1/users/" + user + "/memories?tag=walk&tag=outdoor")))
                .containsExactly("Walked by the river");
        assertThat(contents(get(reader, "/v1/users/" + user + "/memories?q=river")))
                .containsExactly("Cooked a river fish", "Walked by the river");
        assertThat(contents(get(reader, "/v1/users/" + user + "/memories?q=" + q("river walked"))))
                .containsExactly("Walked by the river");
        assertThat(contents(get(reader, "/v1/users/" + user + "/memories?from=2026-02-01T00:00:00Z&to=2026-03-10T10:00:00Z")))
                .containsExactly("Cooked a river fish");
        HttpResponse<String> bad = get(reader, "/v1/users/" + user + "/memories?from=yesterday");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(get(reader, "/v1/users/" + user + "/memories?limit=201").statusCode()).isEqualTo(400);

        // in normal operation (replica healthy and current) every read is a replica read
        double replicaBefore = reads("replica");
        double primaryBefore = reads("primary");
        for (int i = 0; i < 20; i++) {
            get(reader, "/v1/users/" + user + "/memories");
        }
        double replica = reads("replica") - replicaBefore;
        double primary = reads("primary") - primaryBefore;
        assertThat(replica / (replica + primary)).isGreaterThanOrEqualTo(0.9);
    }

    /** mnemo_query_reads_total for a source, from the admin port's Prometheus page. */
    static double reads(String source) throws Exception {
        String page = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getAdminPort()
                + "/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
        double total = 0;
        for (String line : page.split("\n")) {
            if (line.startsWith("mnemo_query_reads_total{") && line.contains("source=\"" + source + "\"")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    @Test
    @Order(2)
    void pagingIsCompleteAndNonOverlappingWhileNewMemoriesArrive() throws Exception {
        String user = "pager";
        Set<String> initial = new HashSet<>();
        Instant base = Instant.parse("2026-05-01T00:00:00Z");
        for (int i = 0; i < 150; i++) {
            UUID id = UUID.randomUUID();
            // every third memory shares its occurredAt with the previous one: keyset ties are exercised
            insertMemory(tenant, user, id, base.minusSeconds(3600L * (i - i % 3)), "m" + i, List.of());
            initial.add(id.toString());
        }
        awaitReplica();
        AtomicBoolean writing = new AtomicBoolean(true);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            Random random = new Random(1);
            while (writing.get()) {
                // newer and older than the pages being read, and in between
                insertMemory(tenant, user, UUID.randomUUID(), base.minusSeconds(3600L * (random.nextInt(300) - 50)),
                        "late", List.of());
            }
        });
        List<String> seen = new ArrayList<>();
        String cursor = null;
        try {
            do {
                HttpResponse<String> page = get(reader, "/v1/users/" + user + "/memories?limit=37"
                        + (cursor == null ? "" : "&cursor=" + cursor));
                assertThat(page.statusCode()).isEqualTo(200);
                JsonNode body = JSON.readTree(page.body());
                body.get("items").forEach(item -> seen.add(item.get("memoryId").asText()));
                cursor = body.hasNonNull("nextCursor") ? body.get("nextCursor").asText() : null;
            } while (cursor != null);
        } finally {
            writing.set(false);
            writer.join();
        }
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(seen).containsAll(initial);
    }

    @Test
    @Order(3)
    void aCursorCannotBeTamperedWithNorReusedForAnotherUserOrFilter() throws Exception {
        String user = "pager";
        JsonNode first = JSON.readTree(get(reader, "/v1/users/" + user + "/memories?limit=5").body());
        String cursor = first.get("nextCursor").asText();
        char[] chars = cursor.toCharArray();
        chars[3] = chars[3] == 'A' ? 'B' : 'A';
        String tampered = new String(chars);

        assertThat(get(reader, "/v1/users/" + user + "/memories?limit=5&cursor=" + cursor).statusCode()).isEqualTo(200);
        assertThat(get(reader, "/v1/users/" + user + "/memories?limit=5&cursor=" + tampered).statusCode()).isEqualTo(400);
        assertThat(get(reader, "/v1/users/filters/memories?limit=5&cursor=" + cursor).statusCode()).isEqualTo(400);
        assertThat(get(reader, "/v1/users/" + user + "/memories?limit=5&tag=x&cursor=" + cursor).statusCode())
                .isEqualTo(400);
        assertThat(get(otherTenantReader, "/v1/users/" + user + "/memories?limit=5&cursor=" + cursor).statusCode())
                .isEqualTo(400);
        assertThat(get(reader, "/v1/users/" + user + "/memories?cursor=not-a-cursor").statusCode()).isEqualTo(400);
    }

    @Test
    @Order(3)
    void aNulInTextOrTagAndADateBeyondTheYear9999AreA400NamingTheParameterNotA500() throws Exception {
        String memories = "/v1/users/pager/memories";
        Map<String, String> parameterOf = Map.of(
                memories + "?q=a%00b", "q",
                memories + "?tag=%00", "tag",
                memories + "?from=%2B1000000-01-01T00:00:00Z", "from",
                memories + "?to=-0001-01-01T00:00:00Z", "to",
                "/v1/users/pager/memories:export?from=%2B1000000-01-01T00:00:00Z", "from",
                "/v1/users/pager/activity?from=%2B1000000-01-01", "from",
                "/v1/users/pager/activity?to=%2B10000-01-01", "to");
        for (Map.Entry<String, String> query : parameterOf.entrySet()) {
            HttpResponse<String> response = get(reader, query.getKey());
            assertThat(response.statusCode()).as(query.getKey() + ": " + response.body()).isEqualTo(400);
            JsonNode problem = JSON.readTree(response.body());
            assertThat(problem.at("/errors/0/field").asText()).as(query.getKey()).isEqualTo(query.getValue());
        }
        assertThat(get(reader, memories + "?from=9999-12-31T00:00:00Z").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(4)
    void aMemoryIsFoundByIdUntilItIsForgottenAndOnlyByItsOwnTenantAndUser() throws Exception {
        UUID id = UUID.randomUUID();
        insertMemory(tenant, "owner", id, Instant.parse("2026-04-01T10:00:00Z"), "mine", List.of("x"));
        awaitReplica();

        HttpResponse<String> found = get(reader, "/v1/users/owner/memories/" + id);
        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(found.body()).get("content").asText()).isEqualTo("mine");
        assertThat(get(reader, "/v1/users/someone-else/memories/" + id).statusCode()).isEqualTo(404);
        assertThat(get(otherTenantReader, "/v1/users/owner/memories/" + id).statusCode()).isEqualTo(404);
        assertThat(get(reader, "/v1/users/owner/memories/" + UUID.randomUUID()).statusCode()).isEqualTo(404);
        assertThat(get(reader, "/v1/users/owner/memories/not-a-uuid").statusCode()).isEqualTo(404);

        PRIMARY.useHandle(h -> {
            h.execute("DELETE FROM memories WHERE tenant_id = ? AND memory_id = ?", tenant, id);
            h.execute("UPDATE memory_locator SET deleted = true, version = 2 WHERE tenant_id = ? AND memory_id = ?",
                    tenant, id);
        });
        awaitReplica();
        assertThat(get(reader, "/v1/users/owner/memories/" + id).statusCode()).isEqualTo(404);
    }

    @Test
    @Order(5)
    void aMediaLinkDownloadsTheOwnersBytesAndExpires() throws Exception {
        byte[] bytes = new byte[5_000];
        new Random(3).nextBytes(bytes);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        String key = "media/" + tenant + "/" + sha;
        var s3endpoint = DevstackExtension.devstack().s3();
        try (S3Client s3 = S3Client.builder().endpointOverride(URI.create(s3endpoint.endpoint()))
                .region(Region.of(s3endpoint.region())).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        s3endpoint.accessKey(), s3endpoint.secretKey()))).build()) {
            s3.putObject(b -> b.bucket(s3endpoint.bucket()).key(key), RequestBody.fromBytes(bytes));
        }
        UUID memoryId = UUID.randomUUID();
        PRIMARY.useHandle(h -> {
            h.execute("INSERT INTO media (tenant_id, sha256, size, content_type, object_key) VALUES (?, ?, ?, ?, ?)",
                    tenant, sha, bytes.length, "image/png", key);
            h.execute("INSERT INTO memory_media (tenant_id, user_id, memory_id, media_id, sha256) VALUES (?, ?, ?, ?, ?)",
                    tenant, "owner", memoryId, "photo-1", sha);
        });
        awaitReplica();

        HttpResponse<String> link = get(reader, "/v1/users/owner/media/photo-1");
        assertThat(link.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(link.body());
        assertThat(body.get("sha256").asText()).isEqualTo(sha);
        HttpResponse<byte[]> download = HTTP.send(HttpRequest.newBuilder(URI.create(body.get("url").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(bytes);
        assertThat(download.headers().firstValue("Content-Type")).hasValue("image/png");

        assertThat(get(reader, "/v1/users/intruder/media/photo-1").statusCode()).isEqualTo(404);
        assertThat(get(otherTenantReader, "/v1/users/owner/media/photo-1").statusCode()).isEqualTo(404);

        // the same URL stops working once expiresAt has passed (and not before: it worked above)
        Instant expiresAt = Instant.parse(body.get("expiresAt").asText());
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).until(() ->
                HTTP.send(HttpRequest.newBuilder(URI.create(body.get("url").asText())).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 403);
        assertThat(Instant.now()).isAfterOrEqualTo(expiresAt.minusSeconds(2)); // S3 checks whole seconds
    }

    @Test
    @Order(6)
    void activityPerUserAndPerTenantNeedTheirScopesAndStayInTheTenant() throws Exception {
        PRIMARY.useHandle(h -> {
            for (int d = 1; d <= 10; d++) {
                for (String user : List.of("a1", "a2")) {
                    h.execute("""
                            INSERT INTO user_activity_daily (tenant_id, user_id, day, memories, media_bytes,
                                                             source_partition, source_offset)
                            VALUES (?, ?, ?, ?, ?, 0, 0)""", tenant, user, LocalDate.of(2026, 3, d), d, d * 100L);
                }
            }
        });
        awaitReplica();
        String analyst = KEYS.create(tenant, "analyst", Set.of(Scopes.ANALYTICS_READ), 1_000_000, 1_000_000)
                .plaintext();

        JsonNode days = JSON.readTree(get(reader, "/v1/users/a1/activity?from=2026-03-03&to=2026-03-06").body());
        assertThat(days.get("days")).hasSize(3);
        assertThat(days.get("days").get(0).get("memories").asLong()).isEqualTo(3);

        HttpResponse<String> weekly = get(analyst, "/v1/analytics/activity?from=2026-03-01&to=2026-03-11"
                + "&granularity=week");
        assertThat(weekly.statusCode()).isEqualTo(200);
        JsonNode buckets = JSON.readTree(weekly.body()).get("buckets");
        long total = 0;
        for (JsonNode bucket : buckets) {
            total += bucket.get("memories").asLong();
            assertThat(bucket.get("activeUsers").asLong()).isEqualTo(2);
        }
        assertThat(total).isEqualTo(2 * 55);
        assertThat(buckets.get(0).get("start").asText()).isEqualTo("2026-02-23");
        assertThat(get(reader, "/v1/analytics/activity").statusCode()).isEqualTo(403);
        assertThat(get(analyst, "/v1/analytics/activity?granularity=year").statusCode()).isEqualTo(400);
        // another tenant's analyst sees nothing of this tenant
        JsonNode other = JSON.readTree(get(otherTenantReader, "/v1/analytics/activity?from=2026-03-01&to=2026-03-11")
                .body());
        assertThat(other.get("buckets")).isEmpty();
        assertThat(JSON.readTree(get(otherTenantReader, "/v1/users/a1/activity?from=2026-03-01&to=2026-03-11").body())
                .get("days")).isEmpty();
    }

    @Test
    @Order(7)
    void anotherTenantsKeyReadsNothingOfThisTenantByAnyPath() throws Exception {
        for (String path : List.of("/v1/users/filters/memories", "/v1/users/pager/memories?limit=200",
                "/v1/users/filters/memories?q=river", "/v1/users/owner/memories:export")) {
            HttpResponse<String> response = get(otherTenantReader, path);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.body()).as(path).doesNotContain("river").doesNotContain("\"m1\"")
                    .doesNotContain("mine");
        }
    }

    @Test
    @Order(8)
    void readYourWritesWhileTheReplicaIsPausedAndTheLaggingReplicaIsAvoided() throws Exception {
        var replica = DevstackExtension.devstack().replicas().get(0);
        Jdbi standby = Jdbi.create(replica.jdbcUrl(), replica.user(), replica.password());
        String user = "ryw";
        int partition = partitionOf(tenant, user);
        long before = Math.max(watermark(partition), 0);
        awaitReplica();
        standby.useHandle(h -> h.execute("SELECT pg_wal_replay_pause()"));
        try {
            UUID id = UUID.randomUUID();
            insertMemory(tenant, user, id, Instant.parse("2026-06-01T10:00:00Z"), "just written", List.of());
            long position = before + 1000;
            advanceWatermark(partition, position);

            HttpResponse<String> own = get(reader, "/v1/users/" + user + "/memories/" + id,
                    "X-Mnemo-Position", partition + ":" + position);
            assertThat(own.statusCode()).isEqualTo(200);
            assertThat(own.headers().firstValue("X-Mnemo-Read-Source")).hasValue("primary");
            assertThat(own.headers().firstValue("X-Mnemo-Position")).hasValue(partition + ":" + position);

            // a position no source has reached yet: 503 with Retry-After, not a stale answer
            HttpResponse<String> ahead = get(reader, "/v1/users/" + user + "/memories",
                    "X-Mnemo-Position", partition + ":" + (position + 5));
            assertThat(ahead.statusCode()).isEqualTo(503);
            assertThat(ahead.headers().firstValue("Retry-After")).isPresent();
            assertThat(get(reader, "/v1/users/" + user + "/memories", "X-Mnemo-Position", "garbage").statusCode())
                    .isEqualTo(400);

            // once its lag passes the bound the paused replica leaves the rotation for every read
            await().atMost(Duration.ofSeconds(30)).until(() -> get(reader, "/v1/users/" + user + "/memories")
                    .headers().firstValue("X-Mnemo-Read-Source").orElse("").equals("primary"));
        } finally {
            standby.useHandle(h -> h.execute("SELECT pg_wal_replay_resume()"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> get(reader, "/v1/users/" + user + "/memories")
                .headers().firstValue("X-Mnemo-Read-Source").orElse("").equals("replica"));
    }

    @Test
    @Order(9)
    void withTheReplicaStoppedReadsGoToThePrimaryAndComeBackWhenItReturns() throws Exception {
        var server = DevstackExtension.devstack().replicaServers().get(0);
        server.stop();
        try {
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> response = get(reader, "/v1/users/filters/memories");
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("X-Mnemo-Read-Source")).hasValue("primary");
                assertThat(contents(response)).hasSize(3);
            }
            // with no replica in rotation, a read-your-writes read waits for the primary to reach the position
            int partition = partitionOf(tenant, "filters");
            long next = Math.max(watermark(partition), 0) + 10;
            TestEventLog.holdOffset(partition, next);
            CompletableFuture.runAsync(() -> advanceWatermark(partition, next),
                    CompletableFuture.delayedExecutor(500, java.util.concurrent.TimeUnit.MILLISECONDS));
            HttpResponse<String> waited = get(reader, "/v1/users/filters/memories",
                    "X-Mnemo-Position", partition + ":" + next);
            assertThat(waited.statusCode()).isEqualTo(200);
            assertThat(waited.headers().firstValue("X-Mnemo-Position")).hasValue(partition + ":" + next);
        } finally {
            server.start();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> get(reader, "/v1/users/filters/memories")
                .headers().firstValue("X-Mnemo-Read-Source").orElse("").equals("replica"));
    }

    @Test
    @Order(10)
    void theReadOnlyAnalystRoleReadsTheViewsAndNothingElse() {
        var replica = DevstackExtension.devstack().replicas().get(0);
        Jdbi analyst = Jdbi.create(replica.jdbcUrl(), "mnemo_reader", "unused");
        long rows = analyst.withHandle(h -> h.createQuery(
                "SELECT count(*) FROM analytics.memories WHERE tenant_id = :t").bind("t", tenant)
                .mapTo(Long.class).one());
        assertThat(rows).isGreaterThan(0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> analyst.useHandle(h -> h.createQuery(
                "SELECT count(*) FROM public.api_keys").mapTo(Long.class).one()))
                .hasMessageContaining("permission denied");
        var primaryEndpoint = DevstackExtension.devstack().primary();
        Jdbi onPrimary = Jdbi.create(primaryEndpoint.jdbcUrl(), "mnemo_reader", "unused");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> onPrimary.useHandle(h -> h.execute(
                "CREATE TABLE analytics.x (id int)"))).hasMessageContaining("read-only");
    }

    /** The user's partition of the event topic as ingest's producer chooses it (Kafka's default partitioner). */
    static int partitionOf(String tenantId, String userId) {
        return partitionOf(tenantId, userId, EVENT_PARTITIONS);
    }

    static int partitionOf(String tenantId, String userId, int partitions) {
        byte[] key = (tenantId + "/" + userId).getBytes(StandardCharsets.UTF_8);
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(key))
                % partitions;
    }

    @Test
    @Order(11)
    void readYourWritesUsesThePartitionCountOfTheEventTopic() throws Exception {
        assertThat(EVENT_PARTITIONS).as("the fixture's event topic").isEqualTo(TestEventLog.PARTITIONS);
        // the count the service is configured to create topics with is another one: the topic's must win
        assertThat(APP.getConfiguration().getKafka().getPartitions()).isNotEqualTo(EVENT_PARTITIONS);
        // a user whose partition differs between the topic's count and the shipped default of 12
        String user = "partitioned-0";
        for (int i = 1; partitionOf(tenant, user) == partitionOf(tenant, user, 12); i++) {
            user = "partitioned-" + i;
        }
        int partition = partitionOf(tenant, user);
        long position = aboveEveryWatermark(partition) + 100;
        advanceWatermark(partition, position);
        awaitReplica();

        HttpResponse<String> reached = get(reader, "/v1/users/" + user + "/memories",
                "X-Mnemo-Position", partition + ":" + position);
        assertThat(reached.statusCode()).isEqualTo(200);
        assertThat(reached.headers().firstValue("X-Mnemo-Position")).hasValue(partition + ":" + position);
        HttpResponse<String> ahead = get(reader, "/v1/users/" + user + "/memories",
                "X-Mnemo-Position", partition + ":" + (position + 1));
        assertThat(ahead.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(ahead.body()).get("type").asText())
                .isEqualTo("urn:mnemo:problem:position-not-yet-visible");
    }

    @Test
    @Order(11)
    void aPositionBeyondTheEndOfTheLogIsRefusedAtOnceAndOneJustWrittenIsNot() throws Exception {
        String user = "ryw-beyond";
        int partition = partitionOf(tenant, user);
        String path = "/v1/users/" + user + "/memories";
        for (String position : List.of(partition + ":" + (TestEventLog.end(partition) + 1_000_000),
                partition + ":" + Long.MAX_VALUE, EVENT_PARTITIONS + ":0")) {
            long started = System.nanoTime();
            HttpResponse<String> refused = get(reader, path, "X-Mnemo-Position", position);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as(position).isLessThan(Duration.ofSeconds(1));
            assertThat(refused.statusCode()).as(position).isEqualTo(400);
            JsonNode problem = JSON.readTree(refused.body());
            assertThat(problem.get("type").asText()).isEqualTo("urn:mnemo:problem:invalid-parameter");
            assertThat(problem.at("/errors/0/field").asText()).isEqualTo("X-Mnemo-Position");
        }
        // the service has just read the end; a record written after that is still a position it accepts
        long written = TestEventLog.end(partition);
        TestEventLog.holdOffset(partition, written);
        advanceWatermark(partition, written);
        awaitReplica();
        HttpResponse<String> fresh = get(reader, path, "X-Mnemo-Position", partition + ":" + written);
        assertThat(fresh.statusCode()).isEqualTo(200);
        assertThat(fresh.headers().firstValue("X-Mnemo-Position")).hasValue(partition + ":" + written);
    }

    @Test
    @Order(12)
    void activityReadsWaitForTheActivityProjectionNotForTheMemories() throws Exception {
        String user = "ryw-activity";
        int partition = partitionOf(tenant, user);
        long base = aboveEveryWatermark(partition);
        PRIMARY.useHandle(h -> h.execute("""
                INSERT INTO user_activity_daily (tenant_id, user_id, day, memories, media_bytes,
                                                 source_partition, source_offset)
                VALUES (?, ?, ?, 1, 0, ?, ?)""", tenant, user, LocalDate.of(2026, 7, 1), partition, base));
        // the memories projection is far ahead; the activity projection has applied the partition up to base
        advanceWatermark("memories", partition, base + 100);
        advanceWatermark("user_activity_daily", partition, base);
        awaitReplica();
        String path = "/v1/users/" + user + "/activity?from=2026-07-01&to=2026-07-02";

        HttpResponse<String> ahead = get(reader, path, "X-Mnemo-Position", partition + ":" + (base + 10));
        assertThat(ahead.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(ahead.body()).get("type").asText())
                .isEqualTo("urn:mnemo:problem:position-not-yet-visible");
        assertThat(ahead.headers().firstValue("Retry-After")).isPresent();

        HttpResponse<String> reached = get(reader, path, "X-Mnemo-Position", partition + ":" + base);
        assertThat(reached.statusCode()).isEqualTo(200);
        assertThat(reached.headers().firstValue("X-Mnemo-Position")).hasValue(partition + ":" + base);
        assertThat(JSON.readTree(reached.body()).get("days")).hasSize(1);

        advanceWatermark("user_activity_daily", partition, base + 10);
        HttpResponse<String> caughtUp = get(reader, path, "X-Mnemo-Position", partition + ":" + (base + 10));
        assertThat(caughtUp.statusCode()).isEqualTo(200);
        assertThat(caughtUp.headers().firstValue("X-Mnemo-Position")).hasValue(partition + ":" + (base + 10));
        // memory reads keep following the memories projection
        assertThat(get(reader, "/v1/users/" + user + "/memories", "X-Mnemo-Position", partition + ":" + (base + 50))
                .headers().firstValue("X-Mnemo-Position")).hasValue(partition + ":" + (base + 100));
    }

    @Test
    @Order(12)
    void aSearchWaitsForTheSearchProjectionAndTheMemoriesAListWaitsForTheMemoriesOnly() throws Exception {
        String user = "ryw-search";
        int partition = partitionOf(tenant, user);
        long base = aboveEveryWatermark(partition);
        insertMemory(tenant, user, UUID.randomUUID(), Instant.parse("2026-07-01T10:00:00Z"), "Swam in the lake",
                List.of());
        // the memories sink has applied the partition up to base + 10, the search sink up to base
        advanceWatermark("memories", partition, base + 10);
        advanceWatermark("memory_search", partition, base);
        awaitReplica();
        String search = "/v1/users/" + user + "/memories?q=lake";

        HttpResponse<String> notSearchable = get(reader, search, "X-Mnemo-Position", partition + ":" + (base + 10));
        assertThat(notSearchable.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(notSearchable.body()).get("type").asText())
                .isEqualTo("urn:mnemo:problem:position-not-yet-visible");
        HttpResponse<String> listed = get(reader, "/v1/users/" + user + "/memories", "X-Mnemo-Position",
                partition + ":" + (base + 10));
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(contents(listed)).containsExactly("Swam in the lake");

        HttpResponse<String> searched = get(reader, search, "X-Mnemo-Position", partition + ":" + base);
        assertThat(searched.statusCode()).isEqualTo(200);
        // a search reflects the lower of the two watermarks
        assertThat(searched.headers().firstValue("X-Mnemo-Position")).hasValue(partition + ":" + base);
        assertThat(contents(searched)).containsExactly("Swam in the lake");

        advanceWatermark("memory_search", partition, base + 20);
        HttpResponse<String> caughtUp = get(reader, search, "X-Mnemo-Position", partition + ":" + (base + 10));
        assertThat(caughtUp.statusCode()).isEqualTo(200);
        assertThat(caughtUp.headers().firstValue("X-Mnemo-Position")).hasValue(partition + ":" + (base + 10));
    }

    @Test
    @Order(13)
    void mediaLinksWaitForTheMediaProjectionNotForTheMemories() throws Exception {
        String user = "ryw-media";
        int partition = partitionOf(tenant, user);
        long base = aboveEveryWatermark(partition);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                user.getBytes(StandardCharsets.UTF_8)));
        PRIMARY.useHandle(h -> {
            h.execute("INSERT INTO media (tenant_id, sha256, size, content_type, object_key) VALUES (?, ?, ?, ?, ?)",
                    tenant, sha, 3, "image/png", "media/" + tenant + "/" + sha);
            h.execute("INSERT INTO memory_media (tenant_id, user_id, memory_id, media_id, sha256) "
                    + "VALUES (?, ?, ?, ?, ?)", tenant, user, UUID.randomUUID(), "photo-2", sha);
        });
        advanceWatermark("memories", partition, base + 100);
        advanceWatermark("media", partition, base);
        awaitReplica();
        String path = "/v1/users/" + user + "/media/photo-2";

        HttpResponse<String> ahead = get(reader, path, "X-Mnemo-Position", partition + ":" + (base + 10));
        assertThat(ahead.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(ahead.body()).get("type").asText())
                .isEqualTo("urn:mnemo:problem:position-not-yet-visible");

        HttpResponse<String> reached = get(reader, path, "X-Mnemo-Position", partition + ":" + base);
        assertThat(reached.statusCode()).isEqualTo(200);
        assertThat(reached.headers().firstValue("X-Mnemo-Position")).hasValue(partition + ":" + base);
        assertThat(JSON.readTree(reached.body()).get("sha256").asText()).isEqualTo(sha);

        advanceWatermark("media", partition, base + 10);
        HttpResponse<String> caughtUp = get(reader, path, "X-Mnemo-Position", partition + ":" + (base + 10));
        assertThat(caughtUp.statusCode()).isEqualTo(200);
        assertThat(caughtUp.headers().firstValue("X-Mnemo-Position")).hasValue(partition + ":" + (base + 10));
    }

    @Test
    @Order(14)
    void theOpenApiDocumentDescribesEveryEndpointAndIsValid() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + APP.getLocalPort() + "/openapi.json")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode document = JSON.readTree(response.body());
        JsonNode paths = document.get("paths");

        // every resource method of the service, found from its JAX-RS annotations, is in the document
        List<String> operationIds = new ArrayList<>();
        for (var endpoint : OpenApiEndpoints.of("io.mnemo.query.resources")) {
            JsonNode operation = paths.path(endpoint.path()).path(endpoint.method());
            assertThat(operation.isObject()).as(endpoint.toString()).isTrue();
            operationIds.add(operation.path("operationId").asText());
            assertThat(operation.get("tags")).as(endpoint + " tags").hasSize(1);
            assertThat(operation.path("summary").asText()).as(endpoint + " summary").isNotBlank();
            assertThat(operation.path("responses").has("200")).as(endpoint + " 200").isTrue();
            for (String status : List.of("400", "401", "403", "429", "500", "503")) {
                assertThat(operation.path("responses").path(status).path("$ref").asText())
                        .as(endpoint + " " + status).startsWith("#/components/responses/");
            }
        }
        assertThat(operationIds).containsExactlyInAnyOrder("listMemories", "getMemory", "exportMemories",
                "getMediaLink", "getUserActivity", "getTenantActivity");
        Set<String> tags = new HashSet<>();
        document.get("tags").forEach(tag -> {
            tags.add(tag.get("name").asText());
            assertThat(tag.path("description").asText()).as(tag.toString()).isNotBlank();
        });
        assertThat(tags).containsExactlyInAnyOrder("memories", "exports", "media", "activity");

        // the cursor is an opaque string; the filters and the read position are documented parameters
        JsonNode list = paths.get("/v1/users/{userId}/memories").get("get");
        JsonNode cursor = parameter(list, "query", "cursor");
        assertThat(cursor.get("schema").get("type").asText()).isEqualTo("string");
        assertThat(cursor.get("description").asText()).containsIgnoringCase("opaque");
        assertThat(parameter(list, "query", "from").get("schema").get("format").asText()).isEqualTo("date-time");
        assertThat(parameter(list, "query", "to").get("schema").get("format").asText()).isEqualTo("date-time");
        assertThat(parameter(list, "query", "tag").get("schema").get("type").asText()).isEqualTo("array");
        assertThat(parameter(list, "query", "q").get("description").asText()).isNotBlank();
        JsonNode limit = parameter(list, "query", "limit").get("schema");
        assertThat(limit.get("type").asText()).isEqualTo("integer");
        assertThat(limit.get("maximum").asInt()).isEqualTo(200);
        assertThat(parameter(list, "header", "X-Mnemo-Position").get("description").asText()).isNotBlank();
        assertThat(list.get("responses").get("200").get("headers").has("X-Mnemo-Position")).isTrue();
        JsonNode page = document.get("components").get("schemas").get("MemoryPageResponse");
        assertThat(page.get("properties").get("nextCursor").get("type").asText()).isEqualTo("string");
        assertThat(page.get("properties").get("nextCursor").get("description").asText()).containsIgnoringCase("opaque");
        JsonNode tenantActivity = paths.get("/v1/analytics/activity").get("get");
        assertThat(parameter(tenantActivity, "query", "granularity").get("schema").get("enum"))
                .extracting(JsonNode::asText).containsExactly("day", "week", "month");

        // every operation needs the API key (bearer), declared once for the document
        JsonNode scheme = document.get("components").get("securitySchemes").get("apiKey");
        assertThat(scheme.get("type").asText()).isEqualTo("http");
        assertThat(scheme.get("scheme").asText()).isEqualTo("bearer");
        assertThat(document.get("security").get(0).has("apiKey")).isTrue();

        // An independent validator (openapi4j, not swagger's own parser) checks the document against the spec.
        java.nio.file.Path file = java.nio.file.Files.createTempFile("query-openapi", ".json");
        java.nio.file.Files.writeString(file, response.body());
        var api = new org.openapi4j.parser.OpenApi3Parser().parse(file.toUri().toURL(), true);
        var results = org.openapi4j.parser.validation.v3.OpenApi3Validator.instance().validate(api);
        assertThat(results.isValid()).as(results.toString()).isTrue();
    }

    @Test
    void theOpenApiDocumentIsLintCleanAndTheCopyClientsAreGeneratedFromIsCurrent() throws Exception {
        ServedOpenApi document = ServedOpenApi.fetch("query-service", APP.getLocalPort());

        document.assertLintClean();
        document.assertCommittedCopyIsCurrent("clients/openapi/query-service.json");
    }

    @Test
    void realAnswersMatchTheDocumentedResponseForEveryStatusTheyHave() throws Exception {
        ServedOpenApi document = ServedOpenApi.fetch("query-service", APP.getLocalPort());
        String user = "u-" + UUID.randomUUID();
        UUID id = UUID.randomUUID();
        insertMemory(tenant, user, id, Instant.parse("2026-10-02T10:00:00Z"), "documented", List.of("doc"));
        String memories = "/v1/users/" + user + "/memories";
        String limitedKey = KEYS.create(tenant, "limited", Set.of(Scopes.MEMORIES_READ), 1, 1).plaintext();
        String analyst = KEYS.create(tenant, "analyst", Set.of(Scopes.ANALYTICS_READ), 1_000, 1_000).plaintext();
        int partition = partitionOf(tenant, user);

        HttpResponse<String> page = get(reader, memories + "?limit=1&tag=doc");
        assertThat(page.statusCode()).isEqualTo(200);
        document.assertDocuments("listMemories", page);
        document.assertDocuments("listMemories", get(reader, memories + "?limit=1000"));
        document.assertDocuments("listMemories", get("mnemo_unknown_key", memories));
        document.assertDocuments("listMemories", get(analyst, memories));
        get(limitedKey, memories);
        HttpResponse<String> limited = get(limitedKey, memories);
        assertThat(limited.statusCode()).isEqualTo(429);
        document.assertDocuments("listMemories", limited);
        long notReflected = aboveEveryWatermark(partition);
        TestEventLog.holdOffset(partition, notReflected);
        HttpResponse<String> notYetVisible = get(reader, memories, "X-Mnemo-Position",
                partition + ":" + notReflected);
        assertThat(notYetVisible.statusCode()).isEqualTo(503);
        document.assertDocuments("listMemories", notYetVisible);
        HttpResponse<String> beyondTheLog = get(reader, memories, "X-Mnemo-Position",
                partition + ":" + (TestEventLog.end(partition) + 1_000_000));
        assertThat(beyondTheLog.statusCode()).isEqualTo(400);
        document.assertDocuments("listMemories", beyondTheLog);

        document.assertDocuments("getMemory", get(reader, memories + "/" + id));
        document.assertDocuments("getMemory", get(reader, memories + "/" + UUID.randomUUID()));
        document.assertDocuments("getMemory", get(reader, memories + "/not-a-uuid"));
        HttpResponse<String> badPosition = get(reader, memories + "/" + id, "X-Mnemo-Position", "garbage");
        assertThat(badPosition.statusCode()).isEqualTo(400);
        document.assertDocuments("getMemory", badPosition);
        document.assertDocuments("getMediaLink", get(reader, "/v1/users/" + user + "/media/nothing-here"));
        document.assertDocuments("getUserActivity", get(reader, "/v1/users/" + user + "/activity"));
        document.assertDocuments("getUserActivity", get(reader, "/v1/users/" + user + "/activity?from=yesterday"));
        document.assertDocuments("getTenantActivity", get(analyst, "/v1/analytics/activity?granularity=week"));
        document.assertDocuments("getTenantActivity", get(reader, "/v1/analytics/activity"));
        document.assertDocuments("getTenantActivity", get(analyst, "/v1/analytics/activity?granularity=year"));

        String both = KEYS.create(tenant, "both", Set.of(Scopes.MEMORIES_READ, Scopes.ANALYTICS_READ), 1_000, 1_000)
                .plaintext();
        String limitedBoth = KEYS.create(tenant, "limited-both", Set.of(Scopes.MEMORIES_READ, Scopes.ANALYTICS_READ),
                1, 1).plaintext();
        PRIMARY.useHandle(h -> {
            h.execute("INSERT INTO media (tenant_id, sha256, size, content_type, object_key) VALUES (?, ?, ?, ?, ?) "
                    + "ON CONFLICT DO NOTHING", tenant, "0".repeat(64), 3, "image/png", "media/" + tenant + "/x");
            h.execute("INSERT INTO memory_media (tenant_id, user_id, memory_id, media_id, sha256) VALUES (?, ?, ?, ?, ?)",
                    tenant, user, id, "photo-doc", "0".repeat(64));
        });
        awaitReplica();
        Map<String, String> paths = Map.of("listMemories", memories, "getMemory", memories + "/" + id,
                "getMediaLink", "/v1/users/" + user + "/media/photo-doc",
                "getUserActivity", "/v1/users/" + user + "/activity",
                "getTenantActivity", "/v1/analytics/activity", "exportMemories", memories + ":export");
        HttpResponse<String> link = get(reader, paths.get("getMediaLink"));
        assertThat(link.statusCode()).as(link.body()).isEqualTo(200);
        document.assertDocuments("getMediaLink", link);
        HttpResponse<String> export = get(reader, paths.get("exportMemories"));
        assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
        document.assertDocuments("exportMemories", export);
        String tooLongUser = "/v1/users/" + "u".repeat(129);
        for (var invalid : Map.of("getMediaLink", tooLongUser + "/media/photo-doc",
                "exportMemories", memories + ":export?from=yesterday").entrySet()) {
            HttpResponse<String> refused = get(reader, invalid.getValue());
            assertThat(refused.statusCode()).as(invalid.getKey() + ": " + refused.body()).isEqualTo(400);
            document.assertDocuments(invalid.getKey(), refused);
        }
        for (var operation : paths.entrySet()) {
            String op = operation.getKey();
            document.assertDocuments(op, get("mnemo_unknown_key", operation.getValue()));
            HttpResponse<String> forbidden = get(op.equals("getTenantActivity") ? reader : analyst,
                    operation.getValue());
            assertThat(forbidden.statusCode()).as(op).isEqualTo(403);
            document.assertDocuments(op, forbidden);
            HttpResponse<String> tooMany = null;
            for (int i = 0; i < 3 && (tooMany == null || tooMany.statusCode() != 429); i++) {
                tooMany = get(limitedBoth, operation.getValue());
            }
            assertThat(tooMany.statusCode()).as(op).isEqualTo(429);
            document.assertDocuments(op, tooMany);
        }

        // an instance whose databases go away once it has its API keys: every read is 503 read-unavailable
        var devstack = DevstackExtension.devstack();
        java.net.URI replicaUri = java.net.URI.create(devstack.replicas().get(0).jdbcUrl().substring(5));
        java.net.URI primaryUri = java.net.URI.create(devstack.primary().jdbcUrl().substring(5));
        try (TcpForwarder toReplica = new TcpForwarder(replicaUri.getHost(), replicaUri.getPort());
             TcpForwarder toPrimary = new TcpForwarder(primaryUri.getHost(), primaryUri.getPort())) {
            var dark = new io.dropwizard.testing.DropwizardTestSupport<>(QueryApplication.class, "query-service.yml",
                    "query-service-dark-it", overrides("query-service-dark-it", toReplica.forward(devstack.replicas().get(0).jdbcUrl()),
                            toPrimary.forward(devstack.primary().jdbcUrl())));
            dark.before();
            try {
                assertThat(getFrom(dark.getLocalPort(), both, memories).statusCode()).isEqualTo(200);
                toReplica.close();
                toPrimary.close();
                for (var operation : paths.entrySet()) {
                    HttpResponse<String> unavailable = getFrom(dark.getLocalPort(), both, operation.getValue());
                    assertThat(unavailable.statusCode()).as(operation.getKey() + ": " + unavailable.body())
                            .isEqualTo(503);
                    assertThat(unavailable.headers().firstValue("Retry-After")).as(operation.getKey()).isPresent();
                    assertThat(unavailable.body()).contains("urn:mnemo:problem:read-unavailable");
                    document.assertDocuments(operation.getKey(), unavailable);
                }
            } finally {
                dark.after();
            }
        }

        Map<String, String> elsewhere = new java.util.TreeMap<>();
        document.documentedStatuses().stream().filter(pair -> pair.endsWith(" 500"))
                .forEach(pair -> elsewhere.put(pair, "InternalErrorMatchesTheDocumentsTest in ingest-api"));
        document.assertCoverage(elsewhere);
    }

    private static JsonNode parameter(JsonNode operation, String in, String name) {
        for (JsonNode parameter : operation.path("parameters")) {
            if (parameter.get("in").asText().equals(in) && parameter.get("name").asText().equals(name)) {
                return parameter;
            }
        }
        throw new AssertionError("no " + in + " parameter " + name + " in " + operation);
    }
}
