package io.mnemo.ingest.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.devstack.ServedOpenApi;
import io.mnemo.ingest.IngestConfiguration;
import io.mnemo.kit.auth.ApiKeyStore;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.events.MemoryForgotten;
import io.mnemo.schemas.events.MemoryRevised;
import io.mnemo.schemas.events.UserErased;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Batch, revise, forget and erase on the real broker, and the input limits that guard them. */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
class IngestEndpointsIT {
    static final String PREFIX = "ingest-endpoints-it";
    static final DropwizardAppExtension<IngestConfiguration> APP = IngestApiIT.IngestTestApp.create(PREFIX,
            ConfigOverride.config(PREFIX, "maxJsonBodySize", "1MiB"),
            ConfigOverride.config(PREFIX, "jsonBodyReadTimeout", "2s"),
            ConfigOverride.config(PREFIX, "media.maxSize", "64KiB"));
    static final String NO_KAFKA_PREFIX = "ingest-endpoints-no-kafka-it";
    /** The same API whose broker address leads nowhere: every write that reaches the log is a real 503. */
    static final DropwizardAppExtension<IngestConfiguration> NO_KAFKA = IngestApiIT.IngestTestApp.create(
            NO_KAFKA_PREFIX, "127.0.0.1:" + closedPort(),
            ConfigOverride.config(NO_KAFKA_PREFIX, "kafka.provisionTopics", "false"),
            ConfigOverride.config(NO_KAFKA_PREFIX, "publishTimeout", "1s"));
    /**
     * The one documented status no real answer shows: 500 needs a fault no test can cause without a hook in
     * production code. {@code InternalErrorMatchesTheDocumentsTest} checks the unexpected-error mapper's answer
     * against every operation's 500 instead.
     */
    static final String INTERNAL_ERROR_ELSEWHERE = "InternalErrorMatchesTheDocumentsTest (no real fault causes a 500)";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static String key;
    private static String writeOnlyKey;
    private static String mediaKey;
    private static String oneRequestASecondKey;
    private static String limitedEverythingKey;
    private static ServedOpenApi document;

    @BeforeAll
    static void createKey() {
        var pg = DevstackExtension.devstack().primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        key = new ApiKeyStore(Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()))
                .create("endpoints", "ingest-endpoints-it", Set.of(Scopes.MEMORIES_WRITE, Scopes.USERS_ERASE), null,
                        null).plaintext();
        writeOnlyKey = new ApiKeyStore(Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()))
                .create("endpoints", "ingest-endpoints-it-writer", Set.of(Scopes.MEMORIES_WRITE), null, null)
                .plaintext();
        mediaKey = new ApiKeyStore(Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()))
                .create("endpoints", "ingest-endpoints-it-media", Set.of(Scopes.MEDIA_WRITE), null, null)
                .plaintext();
        oneRequestASecondKey = new ApiKeyStore(Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()))
                .create("endpoints", "ingest-endpoints-it-limited", Set.of(Scopes.MEMORIES_WRITE), 1, 1)
                .plaintext();
        limitedEverythingKey = new ApiKeyStore(Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()))
                .create("endpoints", "ingest-endpoints-it-limited-all", Set.of(Scopes.MEMORIES_WRITE,
                        Scopes.USERS_ERASE, Scopes.MEDIA_WRITE), 1, 1)
                .plaintext();
    }

    /** The served document, fetched once so that it collects every answer the tests check against it. */
    private static synchronized ServedOpenApi document() throws Exception {
        if (document == null) {
            document = ServedOpenApi.fetch("ingest-api", APP.getLocalPort());
        }
        return document;
    }

    /** Bound and never listening, for the class's life: connections are refused, and no broker can take it. */
    private static java.net.Socket refusingPort;

    /**
     * A port nothing answers on. Not a closed ServerSocket's: the devstack starts after this runs and its broker
     * may be given that very port (it happened: the "unreachable" instance wrote to the real broker).
     */
    private static synchronized int closedPort() {
        try {
            if (refusingPort == null) {
                refusingPort = new java.net.Socket();
                refusingPort.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            }
            return refusingPort.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> send(String method, String path, String contentType, String body,
                                             String... headers) throws Exception {
        return sendAs(key, method, path, contentType, body, headers);
    }

    /** As {@link #send}, with another API key, or none when {@code apiKey} is null. */
    private static HttpResponse<String> sendAs(String apiKey, String method, String path, String contentType,
                                               String body, String... headers) throws Exception {
        return sendTo(APP.getLocalPort(), apiKey, method, path, contentType, body, headers);
    }

    private static HttpResponse<String> sendTo(int port, String apiKey, String method, String path,
                                               String contentType, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return StaleConnections.send(HTTP, request.build());
    }

    private static ObjectNode item(String user, String key, String content) {
        ObjectNode item = JSON.createObjectNode().put("userId", user).put("occurredAt", "2026-10-02T10:00:00Z");
        if (content != null) {
            item.put("content", content);
        }
        if (key != null) {
            item.put("idempotencyKey", key);
        }
        return item;
    }

    private static SpecificRecord eventAt(JsonNode accepted) {
        String[] position = accepted.get("position").asText().split(":");
        ConsumerRecord<String, SpecificRecord> record = IngestApiIT.readAt(Integer.parseInt(position[0]),
                Long.parseLong(position[1]));
        return record.value();
    }

    @Test
    void aBatchAnswersOneResultPerItemInOrderAndOnlyValidItemsReachTheLog() throws Exception {
        String user = "u-" + UUID.randomUUID();
        ArrayNode items = JSON.createArrayNode().add(item(user, null, "first")).add(item(user, null, null))
                .add(item("bad user!", null, "x")).add(item(user, null, "fourth"));
        HttpResponse<String> response = send("POST", "/v1/memories:batch", "application/json",
                JSON.createObjectNode().set("items", items).toString());

        assertThat(response.statusCode()).isEqualTo(207);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("accepted").asInt()).isEqualTo(2);
        assertThat(body.get("refused").asInt()).isEqualTo(2);
        JsonNode results = body.get("results");
        assertThat(results).extracting(r -> r.get("status").asInt()).containsExactly(202, 422, 422, 202);
        assertThat(results.get(1).get("problem").get("type").asText()).isEqualTo("urn:mnemo:problem:validation-failed");
        assertThat(results.get(1).get("problem").get("errors").get(0).get("field").asText()).isEqualTo("content");
        assertThat(results.get(2).get("problem").get("errors").get(0).get("field").asText()).isEqualTo("userId");
        assertThat(SealedEvents.opened((MemoryCaptured) eventAt(results.get(0))).content()).isEqualTo("first");
        assertThat(SealedEvents.opened((MemoryCaptured) eventAt(results.get(3))).content()).isEqualTo("fourth");
        assertThat(((MemoryCaptured) eventAt(results.get(3))).getTenantId()).isEqualTo("endpoints");
    }

    @Test
    void aFullyValidBatchIs202AndItsRetryReturnsTheSameMemoryIds() throws Exception {
        String user = "u-" + UUID.randomUUID();
        ArrayNode items = JSON.createArrayNode();
        for (int i = 0; i < 300; i++) {
            items.add(item(user + (i % 3), "batch-key-" + i, "memory " + i));
        }
        String body = JSON.createObjectNode().set("items", items).toString();

        JsonNode first = JSON.readTree(send("POST", "/v1/memories:batch", "application/json", body).body());
        HttpResponse<String> retry = send("POST", "/v1/memories:batch", "application/json", body);

        assertThat(retry.statusCode()).isEqualTo(202);
        JsonNode second = JSON.readTree(retry.body());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            assertThat(second.get("results").get(i).get("memoryId").asText())
                    .isEqualTo(first.get("results").get(i).get("memoryId").asText());
            ids.add(first.get("results").get(i).get("memoryId").asText());
        }
        assertThat(ids).hasSize(300);
    }

    @Test
    void aBatchOfMoreThan500ItemsIsRefusedWhole() throws Exception {
        ArrayNode items = JSON.createArrayNode();
        for (int i = 0; i < 501; i++) {
            items.add(item("u", null, "x"));
        }
        HttpResponse<String> response = send("POST", "/v1/memories:batch", "application/json",
                JSON.createObjectNode().set("items", items).toString());

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(response.body()).get("errors").get(0).get("field").asText()).isEqualTo("items");
    }

    @Test
    void aBatchItemWithAnUnreadableFieldIsRefusedAloneAndTheOthersAreAccepted() throws Exception {
        String user = "u-" + UUID.randomUUID();
        ArrayNode items = JSON.createArrayNode().add(item(user, "unreadable-0-" + user, "before"))
                .add(item(user, null, "bad date").put("occurredAt", "bad"))
                .add(item(user, "unreadable-2-" + user, "after"));
        String body = JSON.createObjectNode().set("items", items).toString();

        HttpResponse<String> response = send("POST", "/v1/memories:batch", "application/json", body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(207);
        JsonNode answer = JSON.readTree(response.body());
        assertThat(answer.get("accepted").asInt()).isEqualTo(2);
        assertThat(answer.get("refused").asInt()).isEqualTo(1);
        JsonNode results = answer.get("results");
        assertThat(results).extracting(r -> r.get("status").asInt()).containsExactly(202, 422, 202);
        JsonNode problem = results.get(1).get("problem");
        assertThat(problem.get("type").asText()).isEqualTo("urn:mnemo:problem:validation-failed");
        assertThat(problem.get("status").asInt()).isEqualTo(422);
        assertThat(problem.get("errors").findValuesAsText("field")).containsExactly("occurredAt");
        assertThat(SealedEvents.opened((MemoryCaptured) eventAt(results.get(0))).content()).isEqualTo("before");
        assertThat(SealedEvents.opened((MemoryCaptured) eventAt(results.get(2))).content()).isEqualTo("after");

        // each valid item keeps its own idempotency key: the retry answers the same memories
        JsonNode retry = JSON.readTree(send("POST", "/v1/memories:batch", "application/json", body).body());
        assertThat(retry.get("results").get(0).get("memoryId")).isEqualTo(results.get(0).get("memoryId"));
        assertThat(retry.get("results").get(2).get("memoryId")).isEqualTo(results.get(2).get("memoryId"));
    }

    @Test
    void aBatchItemOfTheWrongShapeGetsTheFieldErrorsASingleCaptureWouldGet() throws Exception {
        String user = "u-" + UUID.randomUUID();
        List<ObjectNode> bad = List.of(
                item(user, null, "x").put("occurredAt", "2026-13-45T99:00:00Z"),
                item(user, null, "x").put("tags", "not-an-array"),
                item(user, null, "x").put("serverOwned", "smuggled"),
                item(user, null, null).set("content", JSON.createObjectNode().put("nested", true)),
                item(user, null, "x").set("tags", JSON.createArrayNode().add(JSON.createObjectNode())),
                item(user, null, "x").set("attributes", JSON.createArrayNode()));
        ArrayNode items = JSON.createArrayNode().add(item(user, null, "valid"));
        bad.forEach(items::add);
        items.add("not an object").add(5).add(JSON.createArrayNode()).addNull();

        HttpResponse<String> response = send("POST", "/v1/memories:batch", "application/json",
                JSON.createObjectNode().set("items", items).toString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(207);
        JsonNode results = JSON.readTree(response.body()).get("results");
        assertThat(results).hasSize(items.size());
        assertThat(results.get(0).get("status").asInt()).isEqualTo(202);
        assertThat(SealedEvents.opened((MemoryCaptured) eventAt(results.get(0))).content()).isEqualTo("valid");
        for (int i = 0; i < bad.size(); i++) {
            ObjectNode single = bad.get(i).deepCopy();
            single.remove("userId");
            HttpResponse<String> alone = send("POST", "/v1/users/" + user + "/memories", "application/json",
                    single.toString());
            assertThat(alone.statusCode()).as(alone.body()).isEqualTo(422);
            JsonNode result = results.get(i + 1);
            assertThat(result.get("status").asInt()).as(result.toString()).isEqualTo(422);
            assertThat(result.get("problem").get("errors")).as(result.toString())
                    .isEqualTo(JSON.readTree(alone.body()).get("errors"));
        }
        for (int i = bad.size() + 1; i < items.size(); i++) {
            JsonNode result = results.get(i);
            assertThat(result.get("status").asInt()).as(result.toString()).isEqualTo(422);
            assertThat(result.get("problem").get("errors").get(0).get("field").asText()).isEqualTo("items[" + i + "]");
            assertThat(result.get("problem").get("errors").get(0).get("message").asText()).isEqualTo("must be an object");
        }
    }

    /** The whole-body refusals the batch answered before its items were bound one by one; they must not change. */
    @Test
    void aBatchBodyWithoutAnItemsArrayIsRefusedWholeWithoutNamingInternalClasses() throws Exception {
        record Refusal(String body, int status, String field, String message) {
        }
        List<Refusal> refusals = List.of(
                new Refusal("{\"items\": 5}", 422, "items", "has the wrong type"),
                new Refusal("{\"items\": {}}", 422, "items", "has the wrong type"),
                new Refusal("{\"items\": \"x\"}", 422, "items", "has the wrong type"),
                new Refusal("{\"items\": null}", 422, "items", "must not be null"),
                new Refusal("{}", 422, "items", "must not be null"),
                new Refusal("{\"items\": []}", 422, "items", "must hold 1 to 500 items"),
                new Refusal("{\"items\": [], \"extra\": 1}", 422, "extra", "unknown field"),
                new Refusal("{\"extra\": 1, \"items\": [{}]}", 422, "extra", "unknown field"),
                new Refusal("null", 422, "body", "a JSON body is required"),
                new Refusal("", 422, "body", "a JSON body is required"),
                new Refusal("[]", 400, null, null),
                new Refusal("[{\"items\": []}]", 400, null, null),
                new Refusal("\"x\"", 400, null, null),
                new Refusal("5", 400, null, null));
        for (Refusal refusal : refusals) {
            HttpResponse<String> response = send("POST", "/v1/memories:batch", "application/json", refusal.body());

            assertThat(response.statusCode()).as(refusal.body() + " → " + response.body()).isEqualTo(refusal.status());
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/problem+json"));
            JsonNode problem = JSON.readTree(response.body());
            assertThat(problem.has("results")).isFalse();
            assertThat(problem.get("requestId").asText()).isNotBlank();
            assertThat(problem.get("detail").asText()).as(refusal.body())
                    .doesNotContain("io.mnemo", "BatchRequest", "BatchItemRequest", "JsonNode", "`", "java.");
            if (refusal.status() == 422) {
                assertThat(problem.get("type").asText()).isEqualTo("urn:mnemo:problem:validation-failed");
                assertThat(problem.get("errors")).as(refusal.body()).hasSize(1);
                assertThat(problem.get("errors").get(0).get("field").asText()).isEqualTo(refusal.field());
                assertThat(problem.get("errors").get(0).get("message").asText()).isEqualTo(refusal.message());
            } else {
                assertThat(problem.get("type").asText()).isEqualTo("urn:mnemo:problem:malformed-request");
            }
        }
    }

    @Test
    void aRevisionCarriesOnlyTheChangedFieldsAndAcceptsMergePatch() throws Exception {
        String user = "u-" + UUID.randomUUID();
        String memoryId = UUID.randomUUID().toString();
        HttpResponse<String> response = send("PATCH", "/v1/users/" + user + "/memories/" + memoryId,
                "application/merge-patch+json", "{\"content\":\"edited\",\"tags\":[]}");

        assertThat(response.statusCode()).isEqualTo(202);
        JsonNode accepted = JSON.readTree(response.body());
        assertThat(accepted.get("memoryId").asText()).isEqualTo(memoryId);
        MemoryRevised event = (MemoryRevised) eventAt(accepted);
        assertThat(event.getContent()).isNull();
        assertThat(SealedEvents.seal(event).openContent(event.getSealedContent())).isEqualTo("edited");
        assertThat(SealedEvents.seal(event).openTags(event.getSealedTags())).isEmpty();
        assertThat(event.getSealedAttributes()).isNull();
        assertThat(event.getOccurredAt()).isNull();
    }

    @Test
    void aRevisionThatChangesNothingOrNamesNoMemoryIs422() throws Exception {
        assertThat(send("PATCH", "/v1/users/alice/memories/" + UUID.randomUUID(), "application/json", "{}")
                .statusCode()).isEqualTo(422);
        HttpResponse<String> badId = send("PATCH", "/v1/users/alice/memories/not-a-uuid", "application/json",
                "{\"content\":\"x\"}");
        assertThat(badId.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(badId.body()).get("errors").get(0).get("field").asText()).isEqualTo("memoryId");
    }

    @Test
    void forgettingAMemoryAndErasingAUserAreDurableEvents() throws Exception {
        String user = "u-" + UUID.randomUUID();
        String memoryId = UUID.randomUUID().toString();
        HttpResponse<String> forget = send("DELETE", "/v1/users/" + user + "/memories/" + memoryId, null, null);
        HttpResponse<String> erase = send("DELETE", "/v1/users/" + user, null, null, "Idempotency-Key", "erase-1");

        assertThat(forget.statusCode()).isEqualTo(202);
        assertThat(((MemoryForgotten) eventAt(JSON.readTree(forget.body()))).getMemoryId()).hasToString(memoryId);
        assertThat(erase.statusCode()).isEqualTo(202);
        JsonNode erased = JSON.readTree(erase.body());
        assertThat(erased.get("userId").asText()).isEqualTo(user);
        UserErased event = (UserErased) eventAt(erased);
        assertThat(event.getUserId()).isEqualTo(user);
        assertThat(event.getIdempotencyKey()).isEqualTo("erase-1");
    }

    @Test
    void writesForAnErasedUserAre410GoneAndReachNoLog() throws Exception {
        String user = "u-" + UUID.randomUUID();
        String memoryId = JSON.readTree(send("POST", "/v1/users/" + user + "/memories", "application/json",
                "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"before\"}").body()).get("memoryId").asText();
        assertThat(send("DELETE", "/v1/users/" + user, null, null).statusCode()).isEqualTo(202);

        HttpResponse<String> capture = send("POST", "/v1/users/" + user + "/memories", "application/json",
                "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"after\"}");
        HttpResponse<String> revise = send("PATCH", "/v1/users/" + user + "/memories/" + memoryId,
                "application/json", "{\"content\":\"after\"}");
        HttpResponse<String> forget = send("DELETE", "/v1/users/" + user + "/memories/" + memoryId, null, null);
        HttpResponse<String> batch = send("POST", "/v1/memories:batch", "application/json", JSON.createObjectNode()
                .set("items", JSON.createArrayNode().add(item(user, null, "after"))
                        .add(item("u-" + UUID.randomUUID(), null, "another user"))).toString());

        for (HttpResponse<String> gone : List.of(capture, revise, forget)) {
            assertThat(gone.statusCode()).as(gone.body()).isEqualTo(410);
            assertThat(gone.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(JSON.readTree(gone.body()).get("type").asText()).isEqualTo("urn:mnemo:problem:user-erased");
        }
        assertThat(batch.statusCode()).isEqualTo(207);
        JsonNode results = JSON.readTree(batch.body()).get("results");
        assertThat(results).extracting(r -> r.get("status").asInt()).containsExactly(410, 202);
        assertThat(results.get(0).get("problem").get("type").asText()).isEqualTo("urn:mnemo:problem:user-erased");
        assertThat(send("DELETE", "/v1/users/" + user, null, null).statusCode())
                .as("erasing again is harmless").isEqualTo(202);
    }

    @Test
    void erasingAUserNeedsTheUsersEraseScopeNotJustMemoriesWrite() throws Exception {
        HttpResponse<String> refused = StaleConnections.send(HTTP, HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + APP.getLocalPort() + "/v1/users/u-keep"))
                .header("Authorization", "Bearer " + writeOnlyKey).DELETE().build());

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.body()).contains("users:erase");
    }

    @Test
    void traceparentAndRequestIdTravelAsKafkaHeaders() throws Exception {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        HttpResponse<String> response = send("POST", "/v1/users/alice/memories", "application/json",
                "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"traced\"}",
                "traceparent", traceparent, "X-Request-Id", "req-4711");

        assertThat(response.headers().firstValue("X-Request-Id")).hasValue("req-4711");
        String[] position = JSON.readTree(response.body()).get("position").asText().split(":");
        var record = IngestApiIT.readAt(Integer.parseInt(position[0]), Long.parseLong(position[1]));
        assertThat(new String(record.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                .isEqualTo(traceparent);
        assertThat(new String(record.headers().lastHeader("mnemo.request-id").value(), StandardCharsets.UTF_8))
                .isEqualTo("req-4711");
    }

    @Test
    void aBodyThatIsNotJsonIs415() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/users/alice/memories", "text/plain", "hello");

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(JSON.readTree(response.body()).get("type").asText()).isEqualTo("urn:mnemo:problem:unsupported-media-type");
    }

    /**
     * Raw HTTP, so the test controls exactly what is sent: a client that kept sending a body the server refuses
     * may be reset before it reads the 413 (real clients use Expect: 100-continue for that).
     */
    @Test
    void aBodyOverTheCapIs413WhetherItsLengthIsDeclaredOrStreamed() throws Exception {
        long cap = 1024 * 1024;
        String declaredAnswer = raw("Content-Length: " + 2 * cap + "\r\n", new byte[0]);
        assertThat(declaredAnswer).startsWith("HTTP/1.1 413").contains("urn:mnemo:problem:payload-too-large")
                .containsIgnoringCase("Connection: close");

        // Chunked, no length declared: cut off once the cap is passed. Exactly cap + 1 bytes of a valid JSON
        // prefix (many short values, so no parser limit trips first), so the server has read all that was sent.
        StringBuilder json = new StringBuilder("{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"x\",\"attributes\":{");
        for (int i = 0; json.length() < cap; i++) {
            json.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"").append("v".repeat(900)).append('"');
        }
        byte[] body = json.substring(0, (int) cap + 1).getBytes(StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream chunks = new java.io.ByteArrayOutputStream();
        for (int offset = 0; offset < body.length; offset += 16 * 1024) {
            int length = Math.min(16 * 1024, body.length - offset);
            chunks.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            chunks.write(body, offset, length);
            chunks.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        String streamedAnswer = raw("Transfer-Encoding: chunked\r\n", chunks.toByteArray());
        assertThat(streamedAnswer).startsWith("HTTP/1.1 413").contains("urn:mnemo:problem:payload-too-large");
    }

    private static String raw(String framingHeader, byte[] bodyBytes) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", APP.getLocalPort())) {
            socket.setSoTimeout(20_000);
            var out = socket.getOutputStream();
            out.write(("POST /v1/users/alice/memories HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\n" + framingHeader + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(bodyBytes);
            out.flush();
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[4096];
            var in = socket.getInputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                answer.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                if (answer.indexOf("\r\n\r\n") >= 0 && answer.toString().trim().endsWith("}")) {
                    break;
                }
            }
            return answer.toString();
        }
    }

    @Test
    void aStringBeyondTheParserLimitIs400JsonLimitsExceeded() throws Exception {
        String body = "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"" + "y".repeat(300_000) + "\"}";
        HttpResponse<String> response = send("POST", "/v1/users/alice/memories", "application/json", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("type").asText()).isEqualTo("urn:mnemo:problem:json-limits-exceeded");
    }

    @Test
    void contentOver64KibIs422() throws Exception {
        String body = "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"" + "é".repeat(40_000) + "\"}";
        HttpResponse<String> response = send("POST", "/v1/users/alice/memories", "application/json", body);

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(response.body()).get("errors").get(0).get("field").asText()).isEqualTo("content");
    }

    @Test
    void aNulCharacterInTextIs422BecauseNoProjectionCouldStoreIt() throws Exception {
        String body = "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"ok\",\"tags\":[\"a\\u0000b\"]}";
        HttpResponse<String> response = send("POST", "/v1/users/alice/memories", "application/json", body);

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).contains("NUL character");
        HttpResponse<String> inContent = send("POST", "/v1/users/alice/memories", "application/json",
                "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"x\\u0000y\"}");
        assertThat(inContent.statusCode()).isEqualTo(422);
    }

    @Test
    void theOpenApiDocumentDescribesEveryEndpointAndIsValid() throws Exception {
        HttpResponse<String> response = StaleConnections.send(HTTP, HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + APP.getLocalPort() + "/openapi.json")).build());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode paths = JSON.readTree(response.body()).get("paths");
        assertThat(paths.has("/v1/users/{userId}/memories")).isTrue();
        assertThat(paths.has("/v1/users/{userId}/memories/{memoryId}")).isTrue();
        assertThat(paths.get("/v1/users/{userId}/memories/{memoryId}").has("patch")).isTrue();
        assertThat(paths.get("/v1/users/{userId}/memories/{memoryId}").has("delete")).isTrue();
        assertThat(paths.has("/v1/memories:batch")).isTrue();
        assertThat(paths.has("/v1/users/{userId}")).isTrue();
        // the batch binds its items leniently, but documents them as the typed records they must be
        JsonNode document = JSON.readTree(response.body());
        JsonNode batchBody = paths.get("/v1/memories:batch").get("post").get("requestBody");
        assertThat(batchBody.get("required").asBoolean()).isTrue();
        assertThat(batchBody.get("content").get("application/json").get("schema").get("$ref").asText())
                .isEqualTo("#/components/schemas/BatchRequest");
        JsonNode schemas = document.get("components").get("schemas");
        JsonNode batchItems = schemas.get("BatchRequest").get("properties").get("items");
        assertThat(batchItems.get("items").get("$ref").asText()).isEqualTo("#/components/schemas/BatchItemRequest");
        assertThat(batchItems.get("minItems").asInt()).isEqualTo(1);
        assertThat(batchItems.get("maxItems").asInt()).isEqualTo(500);
        assertThat(schemas.get("BatchRequest").get("required")).extracting(JsonNode::asText).containsExactly("items");
        assertThat(schemas.get("BatchItemRequest").get("properties").get("occurredAt").get("format").asText())
                .isEqualTo("date-time");
        assertThat(schemas.get("BatchItemRequest").get("required")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("content", "occurredAt", "userId");
        assertThat(schemas.fieldNames()).toIterable().doesNotContain("JsonNode", "ObjectNode");

        // every operation reads well in generated code, and every answer a client can see has its body schema
        Map<String, String> operationIds = new java.util.TreeMap<>();
        paths.properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            String endpoint = operation.getKey().toUpperCase(java.util.Locale.ROOT) + " " + path.getKey();
            JsonNode value = operation.getValue();
            operationIds.put(value.path("operationId").asText(), endpoint);
            assertThat(value.get("tags")).as(endpoint + " tags").hasSize(1);
            assertThat(value.path("summary").asText()).as(endpoint + " summary").isNotBlank();
            assertThat(value.path("responses").has("default")).as(endpoint + " default").isFalse();
            for (String status : List.of("401", "403", "422", "429", "500", "503")) {
                assertThat(value.path("responses").has(status)).as(endpoint + " " + status).isTrue();
            }
        }));
        assertThat(operationIds.keySet()).containsExactly("captureBatch", "captureMemory", "eraseUser",
                "forgetMemory", "reviseMemory", "uploadMedia");
        JsonNode capture = paths.get("/v1/users/{userId}/memories").get("post");
        assertThat(capture.at("/responses/202/content/application~1json/schema/$ref").asText())
                .isEqualTo("#/components/schemas/MemoryAccepted");
        assertThat(capture.at("/responses/202/headers").has("X-Mnemo-Position")).isTrue();
        assertThat(schemas.get("MemoryAccepted").get("required")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("memoryId", "position");
        JsonNode batch = paths.get("/v1/memories:batch").get("post");
        assertThat(batch.at("/responses/207/content/application~1json/schema/$ref").asText())
                .isEqualTo("#/components/schemas/BatchResponse");
        assertThat(batch.at("/responses/422/content/application~1json/schema/$ref").asText())
                .isEqualTo("#/components/schemas/BatchResponse");
        assertThat(schemas.at("/BatchItemResult/properties/problem/$ref").asText())
                .isEqualTo("#/components/schemas/Problem");
        assertThat(schemas.at("/Problem/properties/errors/items/$ref").asText())
                .isEqualTo("#/components/schemas/FieldError");
        JsonNode rateLimited = document.at("/components/responses/RateLimited");
        assertThat(rateLimited.at("/content/application~1problem+json/schema/$ref").asText())
                .isEqualTo("#/components/schemas/Problem");
        assertThat(rateLimited.at("/headers").has("Retry-After")).isTrue();
        assertThat(document.at("/components/responses/Unavailable/headers").has("Retry-After")).isTrue();
        // media upload: the file is the body, not parameters
        JsonNode upload = paths.get("/v1/users/{userId}/media").get("post");
        assertThat(upload.get("parameters")).extracting(p -> p.get("name").asText())
                .doesNotContain("Content-Type", "Content-Length");
        assertThat(upload.at("/requestBody/content/application~1octet-stream/schema/format").asText())
                .isEqualTo("binary");
        assertThat(document.at("/info/license/name").asText()).isNotBlank();
        assertThat(document.at("/servers/0/url").asText()).isNotBlank();

        // An independent validator (openapi4j, not swagger's own parser) checks the document against the spec.
        java.nio.file.Path file = java.nio.file.Files.createTempFile("ingest-openapi", ".json");
        java.nio.file.Files.writeString(file, response.body());
        var api = new org.openapi4j.parser.OpenApi3Parser().parse(file.toUri().toURL(), true);
        var results = org.openapi4j.parser.validation.v3.OpenApi3Validator.instance().validate(api);
        assertThat(results.isValid()).as(results.toString()).isTrue();
    }

    @Test
    void theOpenApiDocumentIsLintCleanAndTheCopyClientsAreGeneratedFromIsCurrent() throws Exception {
        ServedOpenApi document = document();

        document.assertLintClean();
        document.assertCommittedCopyIsCurrent("clients/openapi/ingest-api.json");
    }

    @Test
    void realAnswersMatchTheDocumentedResponseForEveryStatusTheyHave() throws Exception {
        ServedOpenApi document = document();
        String user = "u-" + UUID.randomUUID();
        String memory = "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"documented\"}";
        String memories = "/v1/users/" + user + "/memories";

        HttpResponse<String> captured = send("POST", memories, "application/json", memory);
        assertThat(captured.statusCode()).isEqualTo(202);
        document.assertDocuments("captureMemory", captured);
        document.assertDocuments("captureMemory", send("POST", memories, "application/json", "{not json"));
        document.assertDocuments("captureMemory", sendAs(null, "POST", memories, "application/json", memory));
        document.assertDocuments("captureMemory", send("POST", memories, "application/json",
                "{\"content\":\"" + "x".repeat(1_200_000) + "\"}"));
        document.assertDocuments("captureMemory", send("POST", memories, "text/plain", "hello"));
        document.assertDocuments("captureMemory", send("POST", memories, "application/json", "{}"));
        sendAs(oneRequestASecondKey, "POST", memories, "application/json", memory);
        HttpResponse<String> limited = sendAs(oneRequestASecondKey, "POST", memories, "application/json", memory);
        assertThat(limited.statusCode()).isEqualTo(429);
        document.assertDocuments("captureMemory", limited);

        String memoryPath = memories + "/" + JSON.readTree(captured.body()).get("memoryId").asText();
        document.assertDocuments("reviseMemory", send("PATCH", memoryPath, "application/merge-patch+json",
                "{\"content\":\"revised\"}"));
        document.assertDocuments("reviseMemory", send("PATCH", memoryPath, "application/json", "{}"));
        document.assertDocuments("forgetMemory", send("DELETE", memoryPath, null, null));
        document.assertDocuments("forgetMemory", send("DELETE", memories + "/not-a-uuid", null, null));

        String batch = "/v1/memories:batch";
        ObjectNode good = item(user, null, "fine");
        ObjectNode bad = item(user, null, null);
        for (ArrayNode items : List.of(JSON.createArrayNode().add(good), JSON.createArrayNode().add(good).add(bad),
                JSON.createArrayNode().add(bad))) {
            document.assertDocuments("captureBatch", send("POST", batch, "application/json",
                    JSON.createObjectNode().set("items", items).toString()));
        }
        document.assertDocuments("captureBatch", send("POST", batch, "application/json", "{\"items\":[]}"));
        document.assertDocuments("captureBatch", send("POST", batch, "application/json", "["));

        document.assertDocuments("eraseUser", sendAs(writeOnlyKey, "DELETE", "/v1/users/" + user, null, null));
        document.assertDocuments("eraseUser", send("DELETE", "/v1/users/" + user, null, null));
        HttpResponse<String> gone = send("POST", memories, "application/json", memory);
        assertThat(gone.statusCode()).isEqualTo(410);
        document.assertDocuments("captureMemory", gone);
        document.assertDocuments("reviseMemory", send("PATCH", memoryPath, "application/json",
                "{\"content\":\"after\"}"));
        document.assertDocuments("forgetMemory", send("DELETE", memoryPath, null, null));
        document.assertDocuments("uploadMedia", sendAs(mediaKey, "POST", "/v1/users/" + user + "/media",
                "text/plain", "a note"));
        document.assertDocuments("uploadMedia", sendAs(mediaKey, "POST", "/v1/users/" + user + "/media",
                "application/octet-stream", "\u0000\u0001\u0002 not a known type"));

        everyOperationRefusesNoKeyTheWrongScopeAndTooManyRequests(document);
        everyBodyIsRefusedWhenMalformedOfAnotherTypeOrTooLarge(document);
        trickledBodiesAre408(document);
        mediaAnswersEachOfItsStatuses(document);
        everyWriteIs503WhenTheLogCannotTakeIt(document);

        Map<String, String> elsewhere = new java.util.TreeMap<>();
        document.documentedStatuses().stream().filter(pair -> pair.endsWith(" 500"))
                .forEach(pair -> elsewhere.put(pair, INTERNAL_ERROR_ELSEWHERE));
        document.assertCoverage(elsewhere);
    }

    /** One request of each operation, on a user of its own, that the API would accept from a valid key. */
    private record Call(String operationId, String method, String path, String contentType, String body) {
    }

    private static List<Call> oneCallOfEachOperation() {
        String user = "u-" + UUID.randomUUID();
        String memory = "/v1/users/" + user + "/memories/" + UUID.randomUUID();
        return List.of(
                new Call("captureMemory", "POST", "/v1/users/" + user + "/memories", "application/json",
                        "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"c\"}"),
                new Call("captureBatch", "POST", "/v1/memories:batch", "application/json",
                        JSON.createObjectNode().set("items", JSON.createArrayNode().add(item(user, null, "b")))
                                .toString()),
                new Call("reviseMemory", "PATCH", memory, "application/merge-patch+json", "{\"content\":\"r\"}"),
                new Call("forgetMemory", "DELETE", memory, null, null),
                new Call("uploadMedia", "POST", "/v1/users/" + user + "/media", "text/plain", "a note"),
                new Call("eraseUser", "DELETE", "/v1/users/" + user, null, null));
    }

    private static void everyOperationRefusesNoKeyTheWrongScopeAndTooManyRequests(ServedOpenApi document)
            throws Exception {
        for (Call call : oneCallOfEachOperation()) {
            HttpResponse<String> anonymous = sendAs(null, call.method(), call.path(), call.contentType(), call.body());
            assertThat(anonymous.statusCode()).as(call.operationId()).isEqualTo(401);
            document.assertDocuments(call.operationId(), anonymous);

            String otherScope = switch (call.operationId()) {
                case "uploadMedia", "eraseUser" -> writeOnlyKey;
                default -> mediaKey;
            };
            HttpResponse<String> forbidden = sendAs(otherScope, call.method(), call.path(), call.contentType(),
                    call.body());
            assertThat(forbidden.statusCode()).as(call.operationId()).isEqualTo(403);
            document.assertDocuments(call.operationId(), forbidden);

            // one request a second: the first may pass, the next within the second is refused
            HttpResponse<String> limited = null;
            for (int i = 0; i < 3 && (limited == null || limited.statusCode() != 429); i++) {
                limited = sendAs(limitedEverythingKey, call.method(), call.path(), call.contentType(), call.body());
            }
            assertThat(limited.statusCode()).as(call.operationId() + ": " + limited.body()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).as(call.operationId()).isPresent();
            document.assertDocuments(call.operationId(), limited);
        }
        HttpResponse<String> badUser = send("DELETE", "/v1/users/" + "u".repeat(129), null, null);
        assertThat(badUser.statusCode()).isEqualTo(422);
        document.assertDocuments("eraseUser", badUser);
    }

    private static void everyBodyIsRefusedWhenMalformedOfAnotherTypeOrTooLarge(ServedOpenApi document)
            throws Exception {
        String tooLarge = "{\"content\":\"" + "x".repeat(1_200_000) + "\"}";
        for (Call call : oneCallOfEachOperation().subList(0, 3)) {
            String json = call.contentType();
            for (var refused : List.of(Map.entry(400, new String[] {json, "{not json"}),
                    Map.entry(415, new String[] {"text/plain", "hello"}),
                    Map.entry(413, new String[] {json, tooLarge}))) {
                HttpResponse<String> answer = send(call.method(), call.path(), refused.getValue()[0],
                        refused.getValue()[1]);
                assertThat(answer.statusCode()).as(call.operationId() + ": " + answer.body())
                        .isEqualTo(refused.getKey());
                document.assertDocuments(call.operationId(), answer);
            }
        }
    }

    /**
     * Each JSON body trickled at a byte every 500 ms, all at once: each gap is far under the idle timeout, but no
     * body arrives within the 2 s body deadline, so each is cut off with a 408 instead of holding a thread.
     */
    private static void trickledBodiesAre408(ServedOpenApi document) throws Exception {
        List<Call> calls = oneCallOfEachOperation().subList(0, 3);
        List<java.net.Socket> sockets = new java.util.ArrayList<>();
        try {
            long started = System.nanoTime();
            for (Call call : calls) {
                java.net.Socket socket = new java.net.Socket("127.0.0.1", APP.getLocalPort());
                sockets.add(socket);
                socket.setSoTimeout(15_000);
                socket.getOutputStream().write((call.method() + " " + call.path() + " HTTP/1.1\r\nHost: 127.0.0.1"
                        + "\r\nAuthorization: Bearer " + key + "\r\nContent-Type: " + call.contentType()
                        + "\r\nContent-Length: 10000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
            }
            Set<java.net.Socket> answered = new HashSet<>();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .pollDelay(java.time.Duration.ofMillis(500)).pollInterval(java.time.Duration.ofMillis(500))
                    .until(() -> {
                        for (java.net.Socket socket : sockets) {
                            if (answered.contains(socket)) {
                                continue;
                            }
                            try {
                                socket.getOutputStream().write(' ');
                                socket.getOutputStream().flush();
                                if (socket.getInputStream().available() > 0) {
                                    answered.add(socket);
                                }
                            } catch (java.io.IOException closed) {
                                answered.add(socket);
                            }
                        }
                        return answered.size() == sockets.size();
                    });
            for (int i = 0; i < calls.size(); i++) {
                RawAnswer answer = RawAnswer.read(sockets.get(i).getInputStream());
                assertThat(answer.status()).as(calls.get(i).operationId() + ": " + answer.body()).isEqualTo(408);
                assertThat(answer.body()).contains("urn:mnemo:problem:request-timeout");
                document.assertDocuments(calls.get(i).operationId(), answer.status(), answer.headers(),
                        answer.body());
            }
            long seconds = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            assertThat(seconds).as("cut off well before a body could complete").isLessThan(10);
        } finally {
            for (java.net.Socket socket : sockets) {
                socket.close();
            }
        }
    }

    /** Media over this app's 64 KiB cap, declared or streamed, is 413; an empty body 422; a disguised file 415. */
    private static void mediaAnswersEachOfItsStatuses(ServedOpenApi document) throws Exception {
        String media = "/v1/users/u-" + UUID.randomUUID() + "/media";
        HttpResponse<String> stored = sendAs(mediaKey, "POST", media, "text/plain", "a note");
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
        document.assertDocuments("uploadMedia", stored);
        HttpResponse<String> empty = sendAs(mediaKey, "POST", media, "image/png", "");
        assertThat(empty.statusCode()).as(empty.body()).isEqualTo(422);
        document.assertDocuments("uploadMedia", empty);
        HttpResponse<String> disguised = sendAs(mediaKey, "POST", media, "image/png", "%PDF-1.7\n1 0 obj\n");
        assertThat(disguised.statusCode()).as(disguised.body()).isEqualTo(415);
        document.assertDocuments("uploadMedia", disguised);

        byte[] png = java.util.Arrays.copyOf(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                1024 * 1024);
        HttpResponse<String> streamed = StaleConnections.send(HTTP, HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + APP.getLocalPort() + media)).header("Authorization", "Bearer " + mediaKey)
                .header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(png)))
                .build());
        assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(413);
        document.assertDocuments("uploadMedia", streamed);

        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", APP.getLocalPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST " + media + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                    + "Bearer " + mediaKey + "\r\nContent-Type: image/png\r\nContent-Length: " + png.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(png, 0, 1024);
            socket.getOutputStream().flush();
            RawAnswer declared = RawAnswer.read(socket.getInputStream());
            assertThat(declared.status()).as(declared.body()).isEqualTo(413);
            document.assertDocuments("uploadMedia", declared.status(), declared.headers(), declared.body());
        }
    }

    /** The instance whose broker is unreachable answers every write, media included, 503 with Retry-After. */
    private static void everyWriteIs503WhenTheLogCannotTakeIt(ServedOpenApi document) throws Exception {
        assertThat(NO_KAFKA.getConfiguration().getKafka().getBootstrapServers())
                .as("the unreachable instance's broker (app port %d, the others' %d)", NO_KAFKA.getLocalPort(),
                        APP.getLocalPort())
                .isEqualTo("127.0.0.1:" + closedPort());
        for (Call call : oneCallOfEachOperation()) {
            HttpResponse<String> unavailable = sendTo(NO_KAFKA.getLocalPort(),
                    call.operationId().equals("uploadMedia") ? mediaKey : key, call.method(), call.path(),
                    call.contentType(), call.body());
            assertThat(unavailable.statusCode()).as(call.operationId() + ": " + unavailable.body()).isEqualTo(503);
            assertThat(unavailable.headers().firstValue("Retry-After")).as(call.operationId()).isPresent();
            document.assertDocuments(call.operationId(), unavailable);
        }
    }

    /** An answer read off a raw socket: status line, headers, and the body its Content-Length or chunks frame. */
    private record RawAnswer(int status, Map<String, List<String>> headers, String body) {
        static RawAnswer read(java.io.InputStream in) throws java.io.IOException {
            String head = readUntil(in, "\r\n\r\n");
            String[] lines = head.split("\r\n");
            assertThat(lines[0]).as("a status line: " + head).startsWith("HTTP/1.1 ");
            Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(lines[i].substring(0, colon).trim(), h -> new java.util.ArrayList<>())
                            .add(lines[i].substring(colon + 1).trim());
                }
            }
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            if (headers.containsKey("Content-Length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("Content-Length").get(0))));
            } else if (headers.getOrDefault("Transfer-Encoding", List.of()).contains("chunked")) {
                for (int size; (size = Integer.parseInt(readUntil(in, "\r\n").trim().split(";")[0], 16)) > 0; ) {
                    body.write(in.readNBytes(size));
                    readUntil(in, "\r\n");
                }
            } else {
                body.write(in.readAllBytes());
            }
            return new RawAnswer(Integer.parseInt(lines[0].substring(9, 12)), headers,
                    body.toString(StandardCharsets.UTF_8));
        }

        private static String readUntil(java.io.InputStream in, String end) throws java.io.IOException {
            StringBuilder text = new StringBuilder();
            for (int b; !text.toString().endsWith(end) && (b = in.read()) >= 0; ) {
                text.append((char) b);
            }
            return text.substring(0, Math.max(0, text.length() - end.length()));
        }
    }

    @Test
    void theUserIdsDotAndDotDotAreRefusedInABatchBecauseNoUrlCouldReadOrEraseThem() throws Exception {
        ArrayNode items = JSON.createArrayNode().add(item(".", null, "x")).add(item("..", null, "y"))
                .add(item(".hidden", null, "z"));
        HttpResponse<String> response = send("POST", "/v1/memories:batch", "application/json",
                JSON.createObjectNode().set("items", items).toString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(207);
        JsonNode results = JSON.readTree(response.body()).get("results");
        assertThat(results).extracting(r -> r.get("status").asInt()).containsExactly(422, 422, 202);
        assertThat(results.get(1).at("/problem/errors/0/field").asText()).isEqualTo("userId");
    }

    @Test
    void aBodyOfTheWrongShapeIsA422ThatNamesNoInternalType() throws Exception {
        for (String body : List.of("[]", "[{}]", "\"text\"", "42")) {
            HttpResponse<String> response = send("POST", "/v1/users/u-shape/memories", "application/json", body);

            assertThat(response.statusCode()).as(body + ": " + response.body()).isEqualTo(422);
            assertThat(JSON.readTree(response.body()).at("/errors/0/field").asText()).isEqualTo("body");
            assertThat(response.body()).as(body).doesNotContain("io.mnemo", "Request", "java.", "jackson");
        }
    }

    @Test
    void aBodyWithADuplicateFieldIsRefusedWhole() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/users/u-dup/memories", "application/json",
                "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"shown\",\"content\":\"hidden\"}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("type").asText()).isEqualTo("urn:mnemo:problem:malformed-request");
        assertThat(response.body()).contains("Duplicate field 'content'");
    }

    @Test
    void millionsOfTinyValuesAreRefusedWhileParsingWithA413NotBoundIntoObjects() throws Exception {
        // 200,000 empty items fit in 600 KB (under this app's 1 MiB body cap) but would be 200,000 objects
        String manyItems = "{\"items\":[" + "{},".repeat(199_999) + "{}]}";
        String manyTags = "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"x\",\"tags\":["
                + "\"t\",".repeat(199_999) + "\"t\"]}";
        for (String[] request : new String[][] {{"/v1/memories:batch", manyItems},
                {"/v1/users/u-tags/memories", manyTags}}) {
            HttpResponse<String> response = send("POST", request[0], "application/json", request[1]);

            assertThat(response.statusCode()).as(request[0] + ": " + response.body()).isEqualTo(413);
            assertThat(JSON.readTree(response.body()).get("type").asText())
                    .isEqualTo("urn:mnemo:problem:payload-too-large");
        }
        // the largest valid batch stays under the token cap: 500 items, each with 50 tags and 50 attributes
        ArrayNode items = JSON.createArrayNode();
        for (int i = 0; i < 500; i++) {
            ObjectNode item = item("u-big-" + (i % 5), null, "big " + i);
            ArrayNode tags = item.putArray("tags");
            ObjectNode attributes = item.putObject("attributes");
            for (int t = 0; t < 50; t++) {
                tags.add("t" + t);
                attributes.put("a" + t, "v");
            }
            items.add(item);
        }
        HttpResponse<String> largest = send("POST", "/v1/memories:batch", "application/json",
                JSON.createObjectNode().set("items", items).toString());
        assertThat(largest.statusCode()).as(largest.body()).isEqualTo(202);
    }
}
