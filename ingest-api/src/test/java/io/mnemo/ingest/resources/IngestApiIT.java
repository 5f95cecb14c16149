package io.mnemo.ingest.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.ingest.IngestApplication;
import io.mnemo.ingest.IngestConfiguration;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.serde.ConfluentAvroDeserializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ingest API on the real devstack broker and registry. */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
class IngestApiIT {
    static final DropwizardAppExtension<IngestConfiguration> APP = IngestTestApp.create("ingest-api-it");
    private static String apiKey;

    @BeforeAll
    static void createKey() {
        apiKey = TestKeys.create("it", Scopes.MEMORIES_WRITE);
    }

    private Response post(String userId, String idempotencyKey, Object body) {
        var request = APP.client().target("http://127.0.0.1:" + APP.getLocalPort())
                .path("/v1/users/" + userId + "/memories").request().header("Authorization", "Bearer " + apiKey);
        if (idempotencyKey != null) {
            request = request.header("Idempotency-Key", idempotencyKey);
        }
        return request.post(body instanceof String s ? Entity.entity(s, MediaType.APPLICATION_JSON_TYPE)
                : Entity.json(body));
    }

    private static Map<String, Object> memory(String content) {
        return Map.of("occurredAt", "2026-10-01T08:00:00Z", "content", content, "tags", List.of("walk", "river"),
                "attributes", Map.of("mood", "calm"));
    }

    @Test
    void acceptedMemoryIsInTheEventLogAtTheReportedPosition() {
        String user = "u-" + UUID.randomUUID();
        Response response = post(user, null, memory("Walked by the river"));

        assertThat(response.getStatus()).isEqualTo(202);
        JsonNode body = response.readEntity(JsonNode.class);
        assertThat(response.getHeaderString("X-Mnemo-Position")).isEqualTo(body.get("position").asText());
        String[] position = body.get("position").asText().split(":");
        MemoryCaptured event = (MemoryCaptured) readAt(Integer.parseInt(position[0]), Long.parseLong(position[1]))
                .value();
        assertThat(event.getMemoryId()).hasToString(body.get("memoryId").asText());
        assertThat(event.getTenantId()).isEqualTo("it");
        assertThat(event.getUserId()).isEqualTo(user);
        // sealed under the user's key: nothing personal in clear in the log
        assertThat(event.getContent()).isEmpty();
        assertThat(event.getTags()).isEmpty();
        assertThat(event.getAttributes()).isEmpty();
        var opened = SealedEvents.opened(event);
        assertThat(opened.content()).isEqualTo("Walked by the river");
        assertThat(opened.tags()).containsExactly("walk", "river");
        assertThat(opened.attributes()).containsEntry("mood", "calm");
        assertThat(event.getOccurredAt()).isEqualTo(Instant.parse("2026-10-01T08:00:00Z"));
        assertThat(response.getHeaderString("X-Request-Id")).isNotBlank();
    }

    @Test
    void retryWithTheSameIdempotencyKeyReturnsTheSameMemoryId() {
        String user = "u-" + UUID.randomUUID();
        String first = post(user, "order-17", memory("a")).readEntity(JsonNode.class).get("memoryId").asText();
        String retry = post(user, "order-17", memory("a")).readEntity(JsonNode.class).get("memoryId").asText();
        String other = post(user, "order-18", memory("a")).readEntity(JsonNode.class).get("memoryId").asText();

        assertThat(retry).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void invalidFieldsAre422ProblemsListingEveryField() {
        Response response = post("alice", null, Map.of("content", "x".repeat(65537), "tags", List.of("")));

        assertThat(response.getStatus()).isEqualTo(422);
        assertThat(response.getMediaType().toString()).startsWith("application/problem+json");
        JsonNode problem = response.readEntity(JsonNode.class);
        assertThat(problem.get("type").asText()).isEqualTo("urn:mnemo:problem:validation-failed");
        assertThat(problem.get("requestId").asText()).isEqualTo(response.getHeaderString("X-Request-Id"));
        assertThat(problem.get("errors").findValuesAsText("field"))
                .contains("occurredAt", "content").anyMatch(f -> f.startsWith("tags"));
    }

    @Test
    void malformedJsonIsA400ProblemWithoutStackTrace() {
        Response response = post("alice", null, "{\"occurredAt\": ");

        assertThat(response.getStatus()).isEqualTo(400);
        String body = response.readEntity(String.class);
        assertThat(body).contains("urn:mnemo:problem:malformed-request").doesNotContain("at com.").doesNotContain("Exception");
    }

    @Test
    void unknownFieldsAreRejectedSoServerOwnedFieldsCannotBeSet() {
        Response response = post("alice", null, Map.of("occurredAt", "2026-10-01T08:00:00Z", "content", "x",
                "tenantId", "someone-else"));

        assertThat(response.getStatus()).isEqualTo(422);
        assertThat(response.readEntity(JsonNode.class).get("errors").get(0).get("field").asText()).isEqualTo("tenantId");
    }

    @Test
    void badUserIdAndIdempotencyKeyAre422() {
        assertThat(post("bad%20user", null, memory("x")).getStatus()).isEqualTo(422);
        assertThat(post("alice", "key with spaces", memory("x")).getStatus()).isEqualTo(422);
    }

    @Test
    void occurredAtFarInTheFutureIs422() {
        Response response = post("alice", null, Map.of("occurredAt", Instant.now().plus(Duration.ofDays(2)).toString(),
                "content", "x"));

        assertThat(response.getStatus()).isEqualTo(422);
        assertThat(response.readEntity(JsonNode.class).get("errors").get(0).get("field").asText()).isEqualTo("occurredAt");
    }

    @Test
    void adminPortServesHealthAndPrometheusMetrics() {
        var admin = APP.client().target("http://127.0.0.1:" + APP.getAdminPort());
        assertThat(admin.path("/healthcheck").request().get().getStatus()).isEqualTo(200);
        post("u-" + UUID.randomUUID(), null, memory("counted"));
        String scrape = admin.path("/prometheus").request().get(String.class);
        assertThat(scrape).contains("mnemo_ingest_accepted_total").contains("kafka_producer");
    }

    static ConsumerRecord<String, SpecificRecord> readAt(int partition, long offset) {
        var registry = new HttpSchemaRegistryClient(DevstackExtension.devstack().schemaRegistryUrl());
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, DevstackExtension.devstack().kafkaBootstrap()),
                new StringDeserializer(), new ConfluentAvroDeserializer(registry))) {
            TopicPartition tp = new TopicPartition(Topics.MEMORY_EVENTS.name(), partition);
            consumer.assign(List.of(tp));
            consumer.seek(tp, offset);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() == offset) {
                        return record;
                    }
                }
            }
            throw new AssertionError("No record at " + tp + "@" + offset);
        }
    }

    /** Every MemoryCaptured of a user in the event log, read from the start to the end. */
    static List<MemoryCaptured> eventsOfUser(String userId) {
        return eventsOfUser(userId, MemoryCaptured.class);
    }

    /** Every event of the given type of a user in the event log, read from the start to the end. */
    static <T extends org.apache.avro.specific.SpecificRecord> List<T> eventsOfUser(String userId, Class<T> type) {
        var registry = new HttpSchemaRegistryClient(DevstackExtension.devstack().schemaRegistryUrl());
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, DevstackExtension.devstack().kafkaBootstrap()),
                new StringDeserializer(), new ConfluentAvroDeserializer(registry))) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.MEMORY_EVENTS.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<T> events = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("Could not read the event log to its end");
                }
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    if (type.isInstance(record.value()) && userId.equals(String.valueOf(
                            record.value().get(record.value().getSchema().getField("userId").pos())))) {
                        events.add(type.cast(record.value()));
                    }
                }
            }
            return events;
        }
    }

    /** Builds the app from its shipped YAML with the devstack's endpoints. */
    static final class IngestTestApp {
        static DropwizardAppExtension<IngestConfiguration> create(String prefix, ConfigOverride... extra) {
            return create(prefix, DevstackExtension.devstack().kafkaBootstrap(), extra);
        }

        /**
         * With a broker of the caller's choosing: given as a second override of the same key, the devstack's won
         * (an instance meant to have no broker wrote to the devstack's).
         */
        static DropwizardAppExtension<IngestConfiguration> create(String prefix, String kafkaBootstrap,
                                                                   ConfigOverride... extra) {
            var devstack = DevstackExtension.devstack();
            var pg = devstack.primary();
            // api_keys must exist before the app's key cache loads its first snapshot
            TestKeys.migrate();
            List<ConfigOverride> overrides = new java.util.ArrayList<>(List.of(
                    ConfigOverride.config(prefix, "kafka.bootstrapServers", kafkaBootstrap),
                    ConfigOverride.config(prefix, "kafka.schemaRegistryUrl", devstack.schemaRegistryUrl()),
                    ConfigOverride.config(prefix, "database.url", pg.jdbcUrl()),
                    ConfigOverride.config(prefix, "database.user", "mnemo_ingest"),
                    ConfigOverride.config(prefix, "database.password", pg.password() == null ? "" : pg.password()),
                    ConfigOverride.config(prefix, "server.applicationConnectors[0].port", "0"),
                    ConfigOverride.config(prefix, "server.adminConnectors[0].port", "0")));
            var s3 = devstack.s3();
            overrides.addAll(List.of(
                    ConfigOverride.config(prefix, "media.s3.endpoint", s3.endpoint()),
                    ConfigOverride.config(prefix, "media.s3.region", s3.region()),
                    ConfigOverride.config(prefix, "media.s3.bucket", s3.bucket()),
                    ConfigOverride.config(prefix, "media.s3.accessKey", s3.accessKey()),
                    ConfigOverride.config(prefix, "media.s3.secretKey", s3.secretKey())));
            overrides.addAll(List.of(extra));
            return new DropwizardAppExtension<>(IngestApplication.class, "ingest-api.yml", prefix,
                    overrides.toArray(ConfigOverride[]::new));
        }
    }
}
