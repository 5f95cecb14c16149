package io.mnemo.devstack.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import io.mnemo.schemas.serde.MnemoSerdes;
import io.mnemo.schemas.serde.SchemaRegistryException;
import io.mnemo.schemas.serde.SubjectNames;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The embedded registry's REST subset, driven through Mnemo's own client and serde against devstack's Kafka. */
@ExtendWith(DevstackExtension.class)
class EmbeddedSchemaRegistryIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Devstack devstack;
    private final HttpSchemaRegistryClient client;
    /** Each test gets its own subjects: the devstack (and its _schemas topic) is shared by the whole run. */
    private final String prefix = "it-" + UUID.randomUUID() + "-";

    EmbeddedSchemaRegistryIT(Devstack devstack) {
        this.devstack = devstack;
        this.client = new HttpSchemaRegistryClient(devstack.schemaRegistryUrl());
    }

    @Test
    void registersLooksUpAndFetchesBySchemaId() {
        String subject = prefix + "captured";

        int id = client.register(subject, MemoryCaptured.getClassSchema());

        HttpSchemaRegistryClient fresh = freshClient(); // no cache: the answers come from the registry
        assertThat(fresh.lookup(subject, MemoryCaptured.getClassSchema())).hasValue(id);
        assertThat(fresh.schemaById(id)).isEqualTo(MemoryCaptured.getClassSchema());
        assertThat(fresh.register(subject, MemoryCaptured.getClassSchema())).isEqualTo(id);
        assertThat(fresh.versions(subject)).containsExactly(1);
        assertThat(fresh.subjects()).contains(subject);
    }

    @Test
    void givesTheSameSchemaTheSameIdInEverySubject() {
        Schema schema = thing(prefix);

        int first = client.register(prefix + "a", schema);
        int second = client.register(prefix + "b", schema);

        assertThat(second).isEqualTo(first);
        assertThat(client.register(prefix + "c", thing(prefix + "other"))).isNotEqualTo(first);
    }

    @Test
    void answersNotFoundForUnknownSubjectsSchemasAndIds() {
        String subject = prefix + "known";
        client.register(subject, thing(prefix));

        assertThat(client.lookup(prefix + "unknown", thing(prefix))).isEmpty();
        assertThat(client.lookup(subject, thing(prefix + "unregistered"))).isEmpty();
        assertThat(client.versions(prefix + "unknown")).isEmpty();
        assertThatThrownBy(() -> client.schemaById(Integer.MAX_VALUE))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40403);
                });
    }

    @Test
    void listsVersionsOfACompatibleEvolutionInOrder() throws Exception {
        String subject = prefix + "evolving";
        int v1 = client.register(subject, thing(prefix));
        int v2 = client.register(subject, withOptionalField(thing(prefix)));

        assertThat(client.versions(subject)).containsExactly(1, 2);
        JsonNode latest = get("/subjects/" + subject + "/versions/latest");
        assertThat(latest.get("subject").asText()).isEqualTo(subject);
        assertThat(latest.get("version").asInt()).isEqualTo(2);
        assertThat(latest.get("id").asInt()).isEqualTo(v2).isNotEqualTo(v1);
        assertThat(new Schema.Parser().parse(latest.get("schema").asText())).isEqualTo(withOptionalField(thing(prefix)));
        assertThat(get("/subjects/" + subject + "/versions/1").get("id").asInt()).isEqualTo(v1);
    }

    @Test
    void rejectsAnIncompatibleSchemaWithConflict() {
        String subject = prefix + "strict";
        client.register(subject, thing(prefix));
        Schema requiredField = SchemaBuilder.record("Thing").namespace(namespace(prefix)).fields()
                .requiredString("a").requiredString("mandatory").endRecord();

        assertThat(client.isCompatible(subject, requiredField)).isFalse();
        assertThat(client.isCompatible(subject, withOptionalField(thing(prefix)))).isTrue();
        assertThatThrownBy(() -> client.register(subject, requiredField))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(409);
                    assertThat(e).hasMessageContaining("incompatible");
                });
        assertThat(client.versions(subject)).containsExactly(1);
    }

    @Test
    void checksAgainstEveryVersionUnderBackwardTransitiveButOnlyTheLatestUnderBackward() throws Exception {
        String subject = prefix + "transitive";
        Schema v1 = SchemaBuilder.record("Thing").namespace(namespace(prefix)).fields().requiredString("a").endRecord();
        Schema v2 = SchemaBuilder.record("Thing").namespace(namespace(prefix)).fields()
                .requiredString("a").name("b").type().stringType().stringDefault("x").endRecord();
        // drops b's default: reads v2 data (b is present), but not v1 data (b is missing)
        Schema v3 = SchemaBuilder.record("Thing").namespace(namespace(prefix)).fields()
                .requiredString("a").requiredString("b").endRecord();
        client.register(subject, v1);
        client.register(subject, v2);

        assertThat(client.compatibility(subject)).isEqualTo("BACKWARD_TRANSITIVE");
        assertThat(client.isCompatible(subject, v3)).isFalse();
        // As Confluent's registry: naming a version ("latest") checks against that version alone.
        String body = JSON.createObjectNode().put("schema", v3.toString()).toString();
        assertThat(JSON.readTree(post("/compatibility/subjects/" + subject + "/versions/latest", body).body())
                .get("is_compatible").asBoolean()).isTrue();
        assertThat(JSON.readTree(post("/compatibility/subjects/" + subject + "/versions/1", body).body())
                .get("is_compatible").asBoolean()).isFalse();
        client.setCompatibility(subject, "BACKWARD");
        assertThat(client.isCompatible(subject, v3)).isTrue();
    }

    @Test
    void readsAndChangesCompatibilityLevels() {
        String subject = prefix + "configured";

        assertThat(client.compatibility(null)).isEqualTo("BACKWARD_TRANSITIVE");
        assertThat(client.compatibility(subject)).isEqualTo("BACKWARD_TRANSITIVE"); // falls back to global
        client.setCompatibility(subject, "FULL");

        assertThat(client.compatibility(subject)).isEqualTo("FULL");
        assertThat(client.compatibility(null)).isEqualTo("BACKWARD_TRANSITIVE");
        assertThatThrownBy(() -> client.setCompatibility(subject, "SIDEWAYS"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(422);
                    assertThat(e.errorCode()).isEqualTo(42203);
                });
    }

    @Test
    void answersConfluentErrorBodiesForInvalidRequests() throws Exception {
        HttpResponse<String> unparseable = post("/subjects/" + prefix + "bad/versions", "{\"schema\": \"{\\\"type\\\": \\\"nope\\\"}\"}");
        HttpResponse<String> unknownSubject = send(HttpRequest.newBuilder(uri("/subjects/" + prefix + "none/versions")).GET());

        assertThat(unparseable.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(unparseable.body()).get("error_code").asInt()).isEqualTo(42201);
        assertThat(unknownSubject.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknownSubject.body()).get("error_code").asInt()).isEqualTo(40401);
        assertThat(JSON.readTree(unknownSubject.body()).get("message").asText()).contains(prefix + "none");
        assertThat(unknownSubject.headers().firstValue("Content-Type")).hasValue("application/vnd.schemaregistry.v1+json");
    }

    @Test
    void keepsSchemasIdsAndConfigAcrossARestart() {
        String subject = prefix + "durable";
        int v1 = client.register(subject, thing(prefix));
        int v2 = client.register(subject, withOptionalField(thing(prefix)));
        client.setCompatibility(subject, "FORWARD");

        try (EmbeddedSchemaRegistry second = EmbeddedSchemaRegistry.start(devstack.kafkaBootstrap(), "127.0.0.1", 0)) {
            HttpSchemaRegistryClient restarted = new HttpSchemaRegistryClient(second.url());

            assertThat(second.port()).isNotEqualTo(URI.create(devstack.schemaRegistryUrl()).getPort());
            assertThat(restarted.schemaById(v1)).isEqualTo(thing(prefix));
            assertThat(restarted.schemaById(v2)).isEqualTo(withOptionalField(thing(prefix)));
            assertThat(restarted.lookup(subject, thing(prefix))).hasValue(v1);
            assertThat(restarted.versions(subject)).containsExactly(1, 2);
            assertThat(restarted.compatibility(subject)).isEqualTo("FORWARD");
            // a new schema registered after the restart must not reuse an existing id
            assertThat(restarted.register(prefix + "after-restart", thing(prefix + "fresh"))).isGreaterThan(Math.max(v1, v2));
        }
    }

    @Test
    void neverHandsOutAgainTheIdOfARecordItCannotRead() throws Exception {
        int known = client.register(prefix + "known", thing(prefix));
        int foreignId = known + 1;
        // Another registry sharing the topic (Confluent's, with Protobuf) took the next id for a schema this one
        // cannot parse.
        String key = JSON.createObjectNode().put("keytype", "SCHEMA").put("subject", prefix + "foreign")
                .put("version", 1).put("magic", 1).toString();
        String value = JSON.createObjectNode().put("subject", prefix + "foreign").put("version", 1)
                .put("id", foreignId).put("schemaType", "PROTOBUF")
                .put("schema", "syntax = \"proto3\";\nmessage Foreign { string a = 1; }").put("deleted", false)
                .toString();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(SchemaStore.TOPIC, 0, key, value)).get(30, TimeUnit.SECONDS);
        }

        try (EmbeddedSchemaRegistry restarted = EmbeddedSchemaRegistry.start(devstack.kafkaBootstrap(), "127.0.0.1", 0)) {
            int fresh = new HttpSchemaRegistryClient(restarted.url()).register(prefix + "fresh", thing(prefix + "fresh"));

            assertThat(fresh).isGreaterThan(foreignId);
        }
    }

    @Test
    void serializerAndDeserializerRoundTripThroughTheRegistry() {
        String topic = prefix + "memory-events";
        MemoryCaptured event = MemoryCaptured.newBuilder()
                .setEventId(UUID.randomUUID())
                .setTenantId("tenant-1")
                .setUserId("user-1")
                .setRecordedAt(Instant.now().truncatedTo(ChronoUnit.MICROS))
                .setMemoryId(UUID.randomUUID())
                .setOccurredAt(Instant.parse("2026-02-28T21:00:00.000001Z"))
                .setContent("First day at the lake")
                .setTags(List.of("family"))
                .setAttributes(Map.of("mood", "calm"))
                .setMediaIds(List.of())
                .setIdempotencyKey(null)
                .build();
        Serde<MemoryCaptured> producerSide = MnemoSerdes.specificAvro(MemoryCaptured.class, client, true);
        Serde<MemoryCaptured> consumerSide = MnemoSerdes.specificAvro(MemoryCaptured.class, freshClient(), false);

        byte[] bytes = producerSide.serializer().serialize(topic, event);

        assertThat(consumerSide.deserializer().deserialize(topic, bytes)).isEqualTo(event);
        assertThat(client.subjects()).contains(SubjectNames.topicRecordName(topic, MemoryCaptured.getClassSchema()));
        // a service that may not register finds the schema a producer registered
        assertThat(consumerSide.serializer().serialize(topic, event)).isEqualTo(bytes);
    }

    private HttpSchemaRegistryClient freshClient() {
        return new HttpSchemaRegistryClient(devstack.schemaRegistryUrl());
    }

    private static String namespace(String prefix) {
        return "it.n" + prefix.replaceAll("[^A-Za-z0-9]", "_");
    }

    private static Schema thing(String prefix) {
        return SchemaBuilder.record("Thing").namespace(namespace(prefix)).fields().requiredString("a").endRecord();
    }

    private static Schema withOptionalField(Schema schema) {
        return SchemaBuilder.record(schema.getName()).namespace(schema.getNamespace()).fields()
                .requiredString("a").optionalString("note").endRecord();
    }

    private URI uri(String path) {
        return URI.create(devstack.schemaRegistryUrl() + path);
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).GET());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
