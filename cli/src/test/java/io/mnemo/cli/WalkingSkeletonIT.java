package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.ingest.IngestConfiguration;
import io.mnemo.processors.ProcessorsConfiguration;
import io.mnemo.processors.topology.MemoryChangesTopology;
import io.mnemo.query.QueryConfiguration;
import io.mnemo.schemas.Topics;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One thousand memories cross the whole platform (HTTP → Kafka → Streams → Postgres primary → streaming replica
 * → HTTP) on real infrastructure, exactly once each, and a full replay of the same requests changes nothing.
 */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalkingSkeletonIT {
    static final int USERS = 20;
    static final int MEMORIES = 1000;
    static final Devstack DEVSTACK = DevstackExtension.devstack();
    /** Created (after migrating) before the services start; the tenant of every memory comes from it. */
    static final String API_KEY = PlatformApps.apiKey(DEVSTACK);
    static final DropwizardAppExtension<ProcessorsConfiguration> PROCESSORS = PlatformApps.processors(DEVSTACK);
    static final DropwizardAppExtension<IngestConfiguration> INGEST = PlatformApps.ingest(DEVSTACK);
    static final DropwizardAppExtension<QueryConfiguration> QUERY = PlatformApps.query(DEVSTACK);

    /** memoryId by idempotency key, as ingest reported them on the first round. */
    static final Map<String, String> ACCEPTED = new HashMap<>();

    record Planned(String user, String key, Instant occurredAt, String content) {
    }

    static List<Planned> plan() {
        List<Planned> planned = new ArrayList<>();
        Instant base = Instant.parse("2026-09-01T00:00:00Z");
        for (int i = 0; i < MEMORIES; i++) {
            // Spread over three months (three partitions of the table); memories 2k and 2k+1 belong to the same
            // user and share a timestamp, so the memoryId tie-breaker of the keyset is exercised on every page.
            Instant occurredAt = base.plus(Duration.ofMinutes(137L * (i / 2)));
            planned.add(new Planned("user-" + ((i / 2) % USERS), "key-" + i, occurredAt, "memory number " + i));
        }
        return planned;
    }

    private static String ingestUrl() {
        return "http://127.0.0.1:" + INGEST.getLocalPort();
    }

    private static String queryUrl() {
        return "http://127.0.0.1:" + QUERY.getLocalPort();
    }

    /** Posts every planned memory with 8 concurrent clients; returns key → response body. */
    private static Map<String, JsonNode> postAll(List<Planned> planned) throws Exception {
        Client client = INGEST.client();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Map<String, Future<JsonNode>> futures = new HashMap<>();
            for (Planned p : planned) {
                futures.put(p.key(), pool.submit(() -> {
                    Response response = client.target(ingestUrl()).path("/v1/users/" + p.user() + "/memories")
                            .request().header("Authorization", "Bearer " + API_KEY)
                            .header("Idempotency-Key", p.key())
                            .post(Entity.json(Map.of("occurredAt", p.occurredAt().toString(), "content", p.content(),
                                    "tags", List.of("e2e"))));
                    assertThat(response.getStatus()).as("POST %s", p.key()).isEqualTo(202);
                    return response.readEntity(JsonNode.class);
                }));
            }
            Map<String, JsonNode> results = new HashMap<>();
            for (var entry : futures.entrySet()) {
                results.put(entry.getKey(), entry.getValue().get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Every page of a user's list at the given page size, checking each response came from the replica. */
    private static List<JsonNode> pageThrough(String user, int limit) {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        do {
            var target = QUERY.client().target(queryUrl()).path("/v1/users/" + user + "/memories")
                    .queryParam("limit", limit);
            if (cursor != null) {
                target = target.queryParam("cursor", cursor);
            }
            Response response = target.request().header("Authorization", "Bearer " + API_KEY).get();
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.getHeaderString("X-Mnemo-Read-Source")).isEqualTo("replica");
            JsonNode page = response.readEntity(JsonNode.class);
            page.get("items").forEach(items::add);
            assertThat(page.get("items").size()).isLessThanOrEqualTo(limit);
            cursor = page.hasNonNull("nextCursor") ? page.get("nextCursor").asText() : null;
        } while (cursor != null);
        return items;
    }

    private static Jdbi primary() {
        var pg = DEVSTACK.primary();
        return Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password());
    }

    @Test
    @Order(1)
    void everyPostedMemoryIsReadableFromTheReplicaExactlyOnceNewestFirst() throws Exception {
        List<Planned> planned = plan();
        postAll(planned).forEach((key, body) -> ACCEPTED.put(key, body.get("memoryId").asText()));
        assertThat(new HashSet<>(ACCEPTED.values())).hasSize(MEMORIES);

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            int visible = 0;
            for (int u = 0; u < USERS; u++) {
                visible += pageThrough("user-" + u, 200).size();
            }
            assertThat(visible).isEqualTo(MEMORIES);
        });

        Map<String, Planned> byMemoryId = new HashMap<>();
        planned.forEach(p -> byMemoryId.put(ACCEPTED.get(p.key()), p));
        Set<String> seen = new HashSet<>();
        for (int u = 0; u < USERS; u++) {
            String user = "user-" + u;
            List<JsonNode> items = pageThrough(user, 37);
            assertThat(items).hasSize(MEMORIES / USERS);
            for (int i = 0; i < items.size(); i++) {
                JsonNode item = items.get(i);
                Planned p = byMemoryId.get(item.get("memoryId").asText());
                assertThat(p).as("an accepted memory").isNotNull();
                assertThat(item.get("userId").asText()).isEqualTo(user).isEqualTo(p.user());
                assertThat(item.get("content").asText()).isEqualTo(p.content());
                assertThat(Instant.parse(item.get("occurredAt").asText())).isEqualTo(p.occurredAt());
                assertThat(item.get("version").asLong()).isEqualTo(1);
                assertThat(seen.add(item.get("memoryId").asText())).as("seen once").isTrue();
                if (i > 0) {
                    JsonNode previous = items.get(i - 1);
                    int byTime = Instant.parse(previous.get("occurredAt").asText())
                            .compareTo(Instant.parse(item.get("occurredAt").asText()));
                    assertThat(byTime > 0 || (byTime == 0
                            && previous.get("memoryId").asText().compareTo(item.get("memoryId").asText()) > 0))
                            .as("newest first, memoryId descending on ties").isTrue();
                }
            }
        }
        assertThat(seen).hasSize(MEMORIES);
    }

    @Test
    @Order(2)
    void postingTheSameThousandAgainWithTheSameKeysLeavesExactlyAThousandRows() throws Exception {
        Map<String, JsonNode> retried = postAll(plan());
        Map<Integer, Long> lastOffsetByPartition = new HashMap<>();
        retried.forEach((key, body) -> {
            assertThat(body.get("memoryId").asText()).isEqualTo(ACCEPTED.get(key));
            String[] position = body.get("position").asText().split(":");
            lastOffsetByPartition.merge(Integer.parseInt(position[0]), Long.parseLong(position[1]), Math::max);
        });

        // Barrier: Kafka Streams has committed (exactly once) past every retried event, so each one was either
        // dropped as a duplicate or its change is in memory-changes; then the sink must have nothing new to do.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, DEVSTACK.kafkaBootstrap()))) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin
                        .listConsumerGroupOffsets(MemoryChangesTopology.APPLICATION_ID)
                        .partitionsToOffsetAndMetadata().get();
                return lastOffsetByPartition.entrySet().stream().allMatch(e -> {
                    var offset = committed.get(new TopicPartition(Topics.MEMORY_EVENTS.name(), e.getKey()));
                    return offset != null && offset.offset() > e.getValue();
                });
            });
        }

        Jdbi jdbi = primary();
        long rows = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM memories WHERE tenant_id = :t")
                .bind("t", PlatformApps.TENANT).mapTo(Long.class).one());
        long distinct = jdbi.withHandle(h -> h.createQuery(
                "SELECT count(DISTINCT memory_id) FROM memories WHERE tenant_id = :t")
                .bind("t", PlatformApps.TENANT).mapTo(Long.class).one());
        assertThat(rows).isEqualTo(MEMORIES);
        assertThat(distinct).isEqualTo(MEMORIES);
        int visible = 0;
        for (int u = 0; u < USERS; u++) {
            visible += pageThrough("user-" + u, 200).size();
        }
        assertThat(visible).isEqualTo(MEMORIES);
    }

    @Test
    @Order(3)
    void theReplicaIsATrueStreamingStandby() {
        var replica = DEVSTACK.replicas().get(0);
        boolean inRecovery = Jdbi.create(replica.jdbcUrl(), replica.user(), replica.password())
                .withHandle(h -> h.createQuery("SELECT pg_is_in_recovery()").mapTo(Boolean.class).one());
        assertThat(inRecovery).isTrue();
    }

    private static java.net.http.HttpResponse<String> send(String method, String url, String body, String... headers)
            throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .header("Authorization", "Bearer " + API_KEY).header("Content-Type", "application/json")
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return java.net.http.HttpClient.newHttpClient().send(request.build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(4)
    void aClientReadsItsOwnWritesAtOnceWithThePositionIngestReturned() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (int i = 0; i < 10; i++) {
            String user = "ryw-" + i;
            String capture = "{\"occurredAt\":\"2026-10-0" + (i % 9 + 1) + "T08:00:00Z\",\"content\":\"first\"}";
            var written = send("POST", ingestUrl() + "/v1/users/" + user + "/memories", capture,
                    "Idempotency-Key", "ryw-" + i);
            assertThat(written.statusCode()).isEqualTo(202);
            String memoryId = json.readTree(written.body()).get("memoryId").asText();
            String position = written.headers().firstValue("X-Mnemo-Position").orElseThrow();

            var read = send("GET", queryUrl() + "/v1/users/" + user + "/memories/" + memoryId, null,
                    "X-Mnemo-Position", position);
            assertThat(read.statusCode()).as("read of %s at %s", memoryId, position).isEqualTo(200);
            assertThat(json.readTree(read.body()).get("content").asText()).isEqualTo("first");

            var revised = send("PATCH", ingestUrl() + "/v1/users/" + user + "/memories/" + memoryId,
                    "{\"content\":\"second\"}");
            assertThat(revised.statusCode()).isEqualTo(202);
            var reread = send("GET", queryUrl() + "/v1/users/" + user + "/memories/" + memoryId, null,
                    "X-Mnemo-Position", revised.headers().firstValue("X-Mnemo-Position").orElseThrow());
            assertThat(reread.statusCode()).isEqualTo(200);
            assertThat(json.readTree(reread.body()).get("content").asText()).isEqualTo("second");
            assertThat(json.readTree(reread.body()).get("version").asLong()).isEqualTo(2);

            // a retried POST is a duplicate the processors drop: its position is still passed (settled)
            var retried = send("POST", ingestUrl() + "/v1/users/" + user + "/memories", capture,
                    "Idempotency-Key", "ryw-" + i);
            assertThat(retried.statusCode()).isEqualTo(202);
            var afterRetry = send("GET", queryUrl() + "/v1/users/" + user + "/memories", null,
                    "X-Mnemo-Position", retried.headers().firstValue("X-Mnemo-Position").orElseThrow());
            assertThat(afterRetry.statusCode()).isEqualTo(200);
            assertThat(json.readTree(afterRetry.body()).get("items")).hasSize(1);
        }
    }
}
