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
import io.mnemo.query.QueryConfiguration;
import io.mnemo.schemas.Topics;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Crypto-shredding end to end (issue 15): a user's content is sealed before it reaches Kafka, and erasing the user
 * deletes the key first, so that after a replay and a rebuild from the start of the log no topic and no table holds
 * a word of it, while another user's content is still there in the projection.
 */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
class CryptoShreddingIT {
    static final Devstack DEVSTACK = DevstackExtension.devstack();
    static final String TENANT = "shred-" + UUID.randomUUID().toString().substring(0, 8);
    static final String API_KEY = PlatformApps.apiKey(DEVSTACK, TENANT);
    static final DropwizardAppExtension<ProcessorsConfiguration> PROCESSORS = PlatformApps.processors(DEVSTACK);
    static final DropwizardAppExtension<IngestConfiguration> INGEST = PlatformApps.ingest(DEVSTACK);
    static final DropwizardAppExtension<QueryConfiguration> QUERY = PlatformApps.query(DEVSTACK);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One lower-case token each, so they are also found in a tsvector's text. */
    private final String nonce = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final String erasedWord = "aliceword" + nonce;
    private final String erasedTag = "alicetag" + nonce;
    private final String erasedAttribute = "aliceplace" + nonce;
    private final String revisedWord = "alicerevised" + nonce;
    private final String keptWord = "bobword" + nonce;
    private final String deadLetterWord = "alicedead" + nonce;
    private final String alice = "alice-" + nonce;
    private final String bob = "bob-" + nonce;

    @Test
    void afterErasureNoTopicOrTableHoldsTheUsersContentEvenAfterReplayAndRebuild() throws Exception {
        List<String> aliceMemories = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode accepted = capture(alice, erasedWord + " memory " + i, erasedTag, erasedAttribute);
            aliceMemories.add(accepted.get("memoryId").asText());
        }
        assertThat(send("PATCH", "/v1/users/" + alice + "/memories/" + aliceMemories.get(0),
                "{\"content\":\"" + revisedWord + "\"}", "application/merge-patch+json").statusCode()).isEqualTo(202);
        // a revision of a memory that never existed: the processors dead-letter it, content and all
        assertThat(send("PATCH", "/v1/users/" + alice + "/memories/" + UUID.randomUUID(),
                "{\"content\":\"" + deadLetterWord + "\"}", "application/json").statusCode()).isEqualTo(202);
        capture(bob, keptWord + " stays", "bobtag", "bobplace");
        await().atMost(Duration.ofSeconds(60)).until(() -> listed(alice).size() == 3 && listed(bob).size() == 1
                && listed(alice).toString().contains(revisedWord));

        // Sealed at rest: the log never held the words in clear, only the user ids (the control: the grep reads).
        await().atMost(Duration.ofSeconds(60)).until(() -> occurrencesInTopics(List.of(alice), Set.of(Topics.DEAD_LETTERS.name()))
                .get(alice) > 0);
        Map<String, Long> inTopics = occurrencesInTopics(List.of(erasedWord, revisedWord, erasedTag, deadLetterWord,
                alice));
        assertThat(inTopics.get(alice)).as("the user id is in clear in the log").isPositive();
        assertThat(inTopics.get(erasedWord)).isZero();
        assertThat(inTopics.get(revisedWord)).isZero();
        assertThat(inTopics.get(erasedTag)).isZero();
        assertThat(inTopics.get(deadLetterWord)).as("the dead letter holds the words sealed too").isZero();

        HttpResponse<String> erased = send("DELETE", "/v1/users/" + alice, null, null);
        assertThat(erased.statusCode()).as(erased.body()).isEqualTo(202);
        assertThat(keyErased(alice)).as("the key is deleted before the erasure is even processed").isTrue();
        HttpResponse<String> afterwards = send("POST", "/v1/users/" + alice + "/memories",
                "{\"occurredAt\":\"2026-11-01T10:00:00Z\",\"content\":\"" + erasedWord + " again\"}", "application/json");
        assertThat(afterwards.statusCode()).as(afterwards.body()).isEqualTo(410);
        assertThat(JSON.readTree(afterwards.body()).get("type").asText()).endsWith("user-erased");
        await().atMost(Duration.ofSeconds(60)).until(() -> listed(alice).isEmpty());

        Instant start = Instant.parse("2000-01-01T00:00:00Z");
        for (String projection : List.of("memories", "memory_search")) {
            StringWriter replay = new StringWriter();
            assertThat(ChangeLogFixture.mnemo(replay, "replay", "--projection", projection, "--from", start.toString()))
                    .as(replay.toString()).isZero();
        }
        StringWriter rebuild = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(rebuild, "rebuild", "--projection", "memories")).as(rebuild.toString())
                .isZero();
        StringWriter reconcile = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(reconcile, "reconcile", "--tenant", TENANT)).as(reconcile.toString())
                .isZero();

        Map<String, Long> inTables = occurrencesInTables(List.of(erasedWord, revisedWord, erasedTag, erasedAttribute,
                deadLetterWord, keptWord));
        assertThat(inTables.get(keptWord)).as("another user's content is still projected (the control)").isPositive();
        assertThat(inTables).as("no table holds a word of the erased user").containsEntry(erasedWord, 0L)
                .containsEntry(revisedWord, 0L).containsEntry(erasedTag, 0L).containsEntry(erasedAttribute, 0L)
                .containsEntry(deadLetterWord, 0L);
        Map<String, Long> inTopicsAfter = occurrencesInTopics(List.of(erasedWord, revisedWord, erasedTag,
                erasedAttribute, deadLetterWord, keptWord));
        assertThat(inTopicsAfter.values()).as("no topic holds a word of either user in clear").containsOnly(0L);
        assertThat(listed(bob)).hasSize(1);
        assertThat(listed(alice)).isEmpty();
    }

    private JsonNode capture(String user, String content, String tag, String place) throws Exception {
        HttpResponse<String> response = send("POST", "/v1/users/" + user + "/memories", JSON.writeValueAsString(Map.of(
                "occurredAt", "2026-10-0" + (1 + (int) (Math.random() * 8)) + "T10:00:00Z", "content", content,
                "tags", List.of(tag), "attributes", Map.of("place", place))), "application/json");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> send(String method, String path, String body, String type) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + INGEST.getLocalPort()
                        + path)).header("Authorization", "Bearer " + API_KEY)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            request.header("Content-Type", type);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<JsonNode> listed(String user) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + QUERY.getLocalPort() + "/v1/users/" + user + "/memories?limit=50"))
                .header("Authorization", "Bearer " + API_KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<JsonNode> items = new ArrayList<>();
        JSON.readTree(response.body()).get("items").forEach(items::add);
        return items;
    }

    private static Jdbi primary() {
        var pg = DEVSTACK.primary();
        return Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password());
    }

    private static boolean keyErased(String user) {
        return primary().withHandle(h -> h.createQuery("""
                        SELECT wrapped_key IS NULL AND erased_at IS NOT NULL FROM user_data_keys
                        WHERE tenant_id = :t AND user_id = :u""")
                .bind("t", TENANT).bind("u", user).mapTo(Boolean.class).one());
    }

    /** How many rows of every table of the database (partitions included) hold each needle in their text form. */
    private static Map<String, Long> occurrencesInTables(List<String> needles) {
        Map<String, Long> found = new HashMap<>();
        needles.forEach(n -> found.put(n, 0L));
        primary().useHandle(h -> {
            List<String> tables = h.createQuery("""
                            SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
                            WHERE schemaname NOT IN ('pg_catalog', 'information_schema')""")
                    .mapTo(String.class).list();
            assertThat(tables).contains("public.memories_default", "public.memory_search", "public.user_data_keys");
            for (String table : tables) {
                for (String needle : needles) {
                    long rows = h.createQuery("SELECT count(*) FROM " + table + " t WHERE t::text LIKE :n")
                            .bind("n", "%" + needle + "%").mapTo(Long.class).one();
                    found.merge(needle, rows, Long::sum);
                }
            }
        });
        return found;
    }

    /**
     * How many records of every topic (internal ones included: changelogs, repartitions) hold each needle in their
     * key, value or headers, read uncommitted so that aborted transactions' records are searched too.
     */
    private static Map<String, Long> occurrencesInTopics(List<String> needles) {
        return occurrencesInTopics(needles, null);
    }

    /** As {@link #occurrencesInTopics(List)}, in the given topics only (null: every topic). */
    private static Map<String, Long> occurrencesInTopics(List<String> needles, Set<String> only) {
        Map<String, Long> found = new HashMap<>();
        needles.forEach(n -> found.put(n, 0L));
        List<byte[]> patterns = needles.stream().map(n -> n.getBytes(StandardCharsets.UTF_8)).toList();
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, DEVSTACK.kafkaBootstrap());
        Set<String> topics;
        try (Admin client = Admin.create(admin)) {
            topics = client.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
                    .names().get();
        } catch (Exception e) {
            throw new AssertionError("cannot list topics", e);
        }
        assertThat(topics).contains(Topics.MEMORY_EVENTS.name(), Topics.MEMORY_CHANGES.name());
        if (only != null) {
            topics = only;
        }
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, DEVSTACK.kafkaBootstrap());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime()).as("reading every topic to its end").isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    for (int i = 0; i < patterns.size(); i++) {
                        if (holds(record, patterns.get(i))) {
                            found.merge(needles.get(i), 1L, Long::sum);
                        }
                    }
                }
            }
        }
        return found;
    }

    private static boolean holds(ConsumerRecord<byte[], byte[]> record, byte[] pattern) {
        if (contains(record.key(), pattern) || contains(record.value(), pattern)) {
            return true;
        }
        for (Header header : record.headers()) {
            if (contains(header.value(), pattern)) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        if (haystack == null || haystack.length < needle.length) {
            return false;
        }
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
