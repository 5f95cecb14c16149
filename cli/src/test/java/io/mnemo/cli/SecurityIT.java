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
import io.mnemo.kit.auth.Scopes;
import io.mnemo.processors.ProcessorsConfiguration;
import io.mnemo.query.QueryConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The abuse suite (issue 15, point 4): black-box cases over HTTP against ingest and the query service running in
 * this JVM, as an attacker would send them. Every answer is checked for a leaked stack trace or Java class name;
 * every refusal for its exact status, problem type and {@code application/problem+json}.
 */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DisplayName("Abuse suite")
class SecurityIT {
    static final Devstack DEVSTACK = DevstackExtension.devstack();
    static final String NONCE = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    static final String TENANT = "sec-" + NONCE;
    static final String OTHER_TENANT = "sec-other-" + NONCE;
    static final String KEY = PlatformApps.apiKey(DEVSTACK, TENANT);
    static final String OTHER_KEY = PlatformApps.apiKey(DEVSTACK, OTHER_TENANT);
    static final DropwizardAppExtension<ProcessorsConfiguration> PROCESSORS = PlatformApps.processors(DEVSTACK);
    /** The shipped configuration, but keys refreshed every second (revocation) and JSON bodies due within 3 s. */
    static final DropwizardAppExtension<IngestConfiguration> INGEST = PlatformApps.ingest(DEVSTACK,
            Map.of("auth.refreshInterval", "1s", "jsonBodyReadTimeout", "3s"));
    static final DropwizardAppExtension<QueryConfiguration> QUERY = PlatformApps.query(DEVSTACK);

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROBLEM_JSON = "application/problem+json";
    /** What a leaked stack trace or class name looks like: exception names, frames, package-qualified names. */
    private static final Pattern LEAK = Pattern.compile("Exception|Error:|\\bat [a-z]+\\.[a-z]|\\.java:\\d+"
            + "|\\b(?:java|javax|jakarta|org|com|io|sun)\\.[a-z][a-z0-9_]*\\.");
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D',
            'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, (byte) 0x90, 'w', 'S', (byte) 0xDE};

    /** A user of TENANT with three memories, projected before any test runs. */
    static final String OWNER = "owner-" + NONCE;
    static final List<String> OWNER_MEMORIES = new ArrayList<>();

    enum Service { INGEST, QUERY }

    /** One endpoint of either API, with a request that would succeed given the scope. */
    record Endpoint(String name, Service service, String method, String path, String type, String body,
                    String scope) {
        @Override
        public String toString() {
            return method + " " + path.replace(OWNER, "{u}") + " (" + scope + ")";
        }
    }

    static List<Endpoint> endpoints() {
        String user = "/v1/users/" + OWNER;
        String memory = UUID.randomUUID().toString();
        String capture = "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"scope probe\"}";
        return List.of(
                new Endpoint("capture", Service.INGEST, "POST", user + "/memories", "application/json", capture,
                        Scopes.MEMORIES_WRITE),
                new Endpoint("revise", Service.INGEST, "PATCH", user + "/memories/" + memory,
                        "application/merge-patch+json", "{\"content\":\"x\"}", Scopes.MEMORIES_WRITE),
                new Endpoint("forget", Service.INGEST, "DELETE", user + "/memories/" + memory, null, null,
                        Scopes.MEMORIES_WRITE),
                new Endpoint("batch", Service.INGEST, "POST", "/v1/memories:batch", "application/json",
                        "{\"items\":[{\"userId\":\"" + OWNER + "\",\"occurredAt\":\"2026-10-02T10:00:00Z\","
                                + "\"content\":\"x\"}]}", Scopes.MEMORIES_WRITE),
                new Endpoint("media", Service.INGEST, "POST", user + "/media", "image/png", null, Scopes.MEDIA_WRITE),
                new Endpoint("erase", Service.INGEST, "DELETE", user, null, null, Scopes.USERS_ERASE),
                new Endpoint("list", Service.QUERY, "GET", user + "/memories", null, null, Scopes.MEMORIES_READ),
                new Endpoint("one", Service.QUERY, "GET", user + "/memories/" + memory, null, null,
                        Scopes.MEMORIES_READ),
                new Endpoint("export", Service.QUERY, "GET", user + "/memories:export", null, null,
                        Scopes.MEMORIES_READ),
                new Endpoint("media link", Service.QUERY, "GET", user + "/media/m-1", null, null,
                        Scopes.MEMORIES_READ),
                new Endpoint("user activity", Service.QUERY, "GET", user + "/activity", null, null,
                        Scopes.MEMORIES_READ),
                new Endpoint("tenant activity", Service.QUERY, "GET", "/v1/analytics/activity", null, null,
                        Scopes.ANALYTICS_READ));
    }

    @BeforeAll
    static void ownerHasThreeMemories() throws Exception {
        for (int i = 1; i <= 3; i++) {
            HttpResponse<String> accepted = ingest("POST", "/v1/users/" + OWNER + "/memories", KEY,
                    "application/json", "{\"occurredAt\":\"2026-10-0" + i + "T10:00:00Z\",\"content\":\"owned "
                            + NONCE + " " + i + "\",\"tags\":[\"t\"]}");
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            OWNER_MEMORIES.add(JSON.readTree(accepted.body()).get("memoryId").asText());
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> items(query("/v1/users/" + OWNER + "/memories", KEY)).size() == 3);
    }

    // ---------------------------------------------------------------- authentication

    @Order(1)
    @ParameterizedTest(name = "no key: {0} is 401 unauthenticated with a Bearer challenge")
    @MethodSource("endpoints")
    void withoutAKeyEveryEndpointIs401(Endpoint endpoint) throws Exception {
        HttpResponse<String> response = call(endpoint, null);
        problem(response, 401, "unauthenticated");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"mnemo\"");
    }

    @Order(1)
    @ParameterizedTest(name = "scope: {0} with every scope but its own is 403 naming it")
    @MethodSource("endpoints")
    void aKeyWithEveryScopeButTheOneNeededIs403NamingIt(Endpoint endpoint) throws Exception {
        Set<String> others = new HashSet<>(Scopes.ALL);
        others.remove(endpoint.scope());
        String key = PlatformApps.apiKey(DEVSTACK, TENANT, others);
        JsonNode problem = problem(call(endpoint, key), 403, "forbidden");
        assertThat(problem.get("detail").asText()).contains("needs the scope " + endpoint.scope());
    }

    static Stream<Arguments> malformedAuthorizations() {
        String secret = "A".repeat(43);
        return Stream.of(
                Arguments.of("Basic scheme", "Basic dXNlcjpwYXNz"),
                Arguments.of("Bearer without a token", "Bearer"),
                Arguments.of("Bearer with a JWT", "Bearer eyJhbGciOiJub25lIn0.eyJ0ZW5hbnQiOiJhIn0."),
                Arguments.of("key id of the wrong alphabet", "Bearer mnemo_ABCDEFGHIJ01_" + secret),
                Arguments.of("secret one character short", "Bearer " + KEY.substring(0, KEY.length() - 1)),
                Arguments.of("key twice", "Bearer " + KEY + " " + KEY),
                Arguments.of("8 KiB of token", "Bearer mnemo_" + "a".repeat(7000)));
    }

    @Order(1)
    @ParameterizedTest(name = "malformed Authorization ({0}) is 401 invalid_token")
    @MethodSource("malformedAuthorizations")
    void aMalformedAuthorizationIs401(String name, String header) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(ingestUri("/v1/users/" + OWNER + "/memories"))
                .header("Authorization", header).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"x\"}")));
        problem(response, 401, "unauthenticated");
        if (!header.equals("Basic dXNlcjpwYXNz") && !header.equals("Bearer")) {
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    challenge -> assertThat(challenge).contains("error=\"invalid_token\""));
        }
    }

    @Order(1)
    @Test
    @DisplayName("a well-formed key of an unknown id is 401, on both services")
    void anUnknownKeyIdIs401() throws Exception {
        String unknown = "mnemo_" + "abcdefghijkl" + "_" + "B".repeat(43);
        problem(ingest("DELETE", "/v1/users/" + OWNER + "/memories/" + OWNER_MEMORIES.get(0), unknown, null, null),
                401, "unauthenticated");
        problem(query("/v1/users/" + OWNER + "/memories", unknown), 401, "unauthenticated");
    }

    @Order(1)
    @Test
    @DisplayName("a known key id with a wrong secret is 401 and reads nothing")
    void aKnownKeyIdWithAWrongSecretIs401() throws Exception {
        String secret = KEY.substring(KEY.length() - 43);
        String flipped = (secret.charAt(0) == 'A' ? "B" : "A") + secret.substring(1);
        String wrong = KEY.substring(0, KEY.length() - 43) + flipped;
        HttpResponse<String> response = query("/v1/users/" + OWNER + "/memories", wrong);
        problem(response, 401, "unauthenticated");
        assertThat(response.body()).doesNotContain("owned " + NONCE);
    }

    @Order(1)
    @Test
    @DisplayName("a revoked key is 401 once ingest's key cache has refreshed (1 s here)")
    void aRevokedKeyIs401AfterTheRefresh() throws Exception {
        var store = PlatformApps.keyStore(DEVSTACK);
        var created = store.create(TENANT, "to-revoke", Set.of(Scopes.MEMORIES_WRITE), 1000, 1000);
        String path = "/v1/users/" + OWNER + "/memories/" + UUID.randomUUID();
        HttpResponse<String> before = ingest("PATCH", path, created.plaintext(), "application/json",
                "{\"content\":\"before revocation\"}");
        assertThat(before.statusCode()).as(before.body()).isEqualTo(202);
        assertThat(store.revoke(created.key().keyId())).isTrue();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> ingest("PATCH", path,
                created.plaintext(), "application/json", "{\"content\":\"after\"}").statusCode() == 401);
        problem(ingest("PATCH", path, created.plaintext(), "application/json", "{\"content\":\"after\"}"), 401,
                "unauthenticated");
    }

    // ---------------------------------------------------------------- tenant isolation

    static Stream<Arguments> otherTenantReads() {
        return Stream.of(
                Arguments.of("list", "/v1/users/" + OWNER + "/memories", 200),
                Arguments.of("search", "/v1/users/" + OWNER + "/memories?q=owned", 200),
                Arguments.of("export", "/v1/users/" + OWNER + "/memories:export", 200),
                Arguments.of("user activity", "/v1/users/" + OWNER + "/activity?from=2026-09-01&to=2026-11-01", 200),
                Arguments.of("tenant activity", "/v1/analytics/activity?from=2026-09-01&to=2026-11-01", 200),
                Arguments.of("one memory", "/v1/users/" + OWNER + "/memories/{memory}", 404));
    }

    @Order(2)
    @ParameterizedTest(name = "another tenant''s key: {0} answers {2} with none of the owner''s data")
    @MethodSource("otherTenantReads")
    void anotherTenantsKeyReadsNothingOfTheOwner(String name, String path, int status) throws Exception {
        HttpResponse<String> response = query(path.replace("{memory}", OWNER_MEMORIES.get(0)), OTHER_KEY);
        if (status == 404) {
            problem(response, 404, "not-found");
        } else {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
        assertThat(response.body()).doesNotContain("owned " + NONCE);
        if (status == 200) {
            assertThat(response.body()).doesNotContain(OWNER_MEMORIES.get(0));
        }
        if (name.equals("list") || name.equals("search")) {
            assertThat(items(response)).isEmpty();
        }
        if (name.endsWith("activity")) {
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.has("days") ? body.get("days") : body.get("buckets")).isEmpty();
        }
        if (name.equals("export")) {
            assertThat(response.body()).isEmpty();
        }
    }

    @Order(2)
    @Test
    @DisplayName("another tenant's key cannot forget the owner's memory: accepted in its own tenant, the owner keeps it")
    void anotherTenantsForgetDoesNotReachTheOwner() throws Exception {
        HttpResponse<String> forget = ingest("DELETE", "/v1/users/" + OWNER + "/memories/" + OWNER_MEMORIES.get(2),
                OTHER_KEY, null, null);
        assertThat(forget.statusCode()).as(forget.body()).isEqualTo(202);
        HttpResponse<String> own = query("/v1/users/" + OWNER + "/memories/" + OWNER_MEMORIES.get(2)
                + "", KEY, "X-Mnemo-Position", JSON.readTree(forget.body()).get("position").asText());
        // the position is of the other tenant's event: once reflected, the owner's memory must still be there
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- mass assignment

    static Stream<Arguments> serverOwnedFields() {
        return Stream.of(
                Arguments.of("tenantId", "\"" + OTHER_TENANT + "\""),
                Arguments.of("memoryId", "\"" + UUID.randomUUID() + "\""),
                Arguments.of("version", "7"),
                Arguments.of("recordedAt", "\"2020-01-01T00:00:00Z\""),
                Arguments.of("userId", "\"someone-else\""),
                Arguments.of("position", "\"0:1\""));
    }

    @Order(3)
    @ParameterizedTest(name = "mass assignment: a capture setting {0} is 422 naming it")
    @MethodSource("serverOwnedFields")
    void aCaptureSettingAServerOwnedFieldIsRefused(String field, String value) throws Exception {
        JsonNode problem = problem(ingest("POST", "/v1/users/" + OWNER + "/memories", KEY, "application/json",
                "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"x\",\"" + field + "\":" + value + "}"),
                422, "validation-failed");
        assertThat(problem.at("/errors/0/field").asText()).isEqualTo(field);
        assertThat(problem.at("/errors/0/message").asText()).isEqualTo("unknown field");
    }

    @Order(3)
    @Test
    @DisplayName("mass assignment: a revision setting version or tenantId is 422")
    void aRevisionSettingServerOwnedFieldsIsRefused() throws Exception {
        for (String field : List.of("version", "tenantId", "memoryId")) {
            JsonNode problem = problem(ingest("PATCH", "/v1/users/" + OWNER + "/memories/" + OWNER_MEMORIES.get(0),
                    KEY, "application/merge-patch+json", "{\"content\":\"x\",\"" + field + "\":\"1\"}"), 422,
                    "validation-failed");
            assertThat(problem.at("/errors/0/field").asText()).isEqualTo(field);
        }
    }

    @Order(3)
    @Test
    @DisplayName("mass assignment: a batch item setting tenantId is refused alone, the other item is accepted")
    void aBatchItemSettingTenantIdIsRefusedAlone() throws Exception {
        HttpResponse<String> response = ingest("POST", "/v1/memories:batch", KEY, "application/json",
                "{\"items\":[{\"userId\":\"b-" + NONCE + "\",\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"x\","
                        + "\"tenantId\":\"" + OTHER_TENANT + "\"},{\"userId\":\"b-" + NONCE
                        + "\",\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"y\"}]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(207);
        JsonNode results = JSON.readTree(response.body()).get("results");
        assertThat(results.get(0).get("status").asInt()).isEqualTo(422);
        assertThat(results.get(0).at("/problem/type").asText()).isEqualTo("urn:mnemo:problem:validation-failed");
        assertThat(results.get(0).toString()).contains("tenantId");
        assertThat(results.get(1).get("status").asInt()).isEqualTo(202);
    }

    // ---------------------------------------------------------------- size and depth

    @Order(4)
    @Test
    @DisplayName("rate by cost: a batch costing more than the key's burst is 413, one costing more than it holds now 429")
    void aBatchIsChargedByItsItemsAndMediaReferences() throws Exception {
        String key = PlatformApps.keyStore(DEVSTACK).create(TENANT, "by-cost", Set.of(Scopes.MEMORIES_WRITE), 1, 12)
                .plaintext();
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            items.append(i == 0 ? "" : ",").append("{\"userId\":\"cost-").append(NONCE).append("\",")
                    .append("\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"c\",")
                    .append("\"mediaIds\":[\"m1\",\"m2\"]}");
        }
        // 5 items with 2 media ids each: 15 tokens, more than the key's burst of 12
        JsonNode tooCostly = problem(ingest("POST", "/v1/memories:batch", key, "application/json",
                "{\"items\":[" + items + "]}"), 413, "request-exceeds-rate-limit");
        assertThat(tooCostly.path("detail").asText()).contains("costs 15");
        // 11 single captures' worth left at most: a batch of 5 items with 2 media ids each is refused again, and a
        // capture of 10 media ids (11 tokens) after a 1-token request does not fit now
        ingest("POST", "/v1/users/cost-" + NONCE + "/memories", key, "application/json",
                "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"c\"}");
        HttpResponse<String> notNow = ingest("POST", "/v1/users/cost-" + NONCE + "/memories", key,
                "application/json", "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"c\",\"mediaIds\":["
                        + "\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"]}");
        problem(notNow, 429, "rate-limited");
        assertThat(notNow.headers().firstValue("Retry-After")).isPresent();
    }

    @Order(4)
    @Test
    @DisplayName("size: a batch declaring 17 MiB is 413 before a byte is read, and the connection is closed")
    void aDeclaredOversizeBatchIs413() throws Exception {
        RawResponse response = raw(INGEST.getLocalPort(), "POST", "/v1/memories:batch",
                "Content-Type: application/json\r\nContent-Length: " + (17 << 20) + "\r\n", new byte[0], false);
        rawProblem(response, 413, "payload-too-large");
        assertThat(response.header("Connection")).containsIgnoringCase("close");
    }

    @Order(4)
    @Test
    @DisplayName("size: a chunked revision of 16 MiB of whitespace is cut off at the cap with 413")
    void aChunkedOversizeRevisionIs413() throws Exception {
        ByteArrayOutputStream chunks = new ByteArrayOutputStream();
        byte[] chunk = " ".repeat(256 * 1024).getBytes(StandardCharsets.US_ASCII);
        chunks.write(("1\r\n{\r\n").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 16 * 4 + 1; i++) {
            chunks.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            chunks.write(chunk);
            chunks.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        RawResponse response = raw(INGEST.getLocalPort(), "PATCH", "/v1/users/" + OWNER + "/memories/"
                        + OWNER_MEMORIES.get(0), "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
                chunks.toByteArray(), false);
        rawProblem(response, 413, "payload-too-large");
    }

    @Order(4)
    @Test
    @DisplayName("content type: a JSON body without Content-Type is 415 (it would escape the JSON cap otherwise)")
    void aBodyWithoutContentTypeIsRefused() throws Exception {
        byte[] body = "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"x\"}".getBytes(StandardCharsets.US_ASCII);
        RawResponse response = raw(INGEST.getLocalPort(), "POST", "/v1/users/" + OWNER + "/memories",
                "Content-Length: " + body.length + "\r\n", body, false);
        rawProblem(response, 415, "unsupported-media-type");
    }

    @Order(4)
    @Test
    @DisplayName("size: a batch (read as a tree) nested 40 deep is 400 json-limits-exceeded")
    void deepNestingIs400() throws Exception {
        String body = "{\"items\":[{\"userId\":\"" + OWNER + "\",\"occurredAt\":\"2026-10-02T10:00:00Z\","
                + "\"content\":\"x\",\"attributes\":" + "{\"a\":".repeat(40) + "\"v\"" + "}".repeat(40) + "}]}";
        problem(ingest("POST", "/v1/memories:batch", KEY, "application/json", body), 400, "json-limits-exceeded");
    }

    @Order(4)
    @Test
    @DisplayName("size: a capture of 160,000 tags (over the 150,000-token cap) is 413")
    void aTokenFloodIs413() throws Exception {
        StringBuilder body = new StringBuilder("{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"x\",\"tags\":[");
        for (int i = 0; i < 160_000; i++) {
            body.append(i == 0 ? "" : ",").append("\"a\"");
        }
        body.append("]}");
        HttpResponse<String> response = ingest("POST", "/v1/users/" + OWNER + "/memories", KEY, "application/json",
                body.toString());
        problem(response, 413, "payload-too-large");
    }

    @Order(4)
    @Test
    @DisplayName("size: a declared Content-Length larger than what is sent (then EOF) is 400, not 500")
    void aShortBodyIs400() throws Exception {
        RawResponse response = raw(INGEST.getLocalPort(), "POST", "/v1/users/" + OWNER + "/memories",
                "Content-Type: application/json\r\nContent-Length: 500\r\n",
                "{\"occurredAt\":\"2026-10-02T10:00:00Z\"".getBytes(StandardCharsets.US_ASCII), true);
        rawProblem(response, 400, "malformed-request");
    }

    @Order(4)
    @Test
    @DisplayName("size: a media upload declaring more than 25 MiB is 413 before it is read")
    void aDeclaredOversizeMediaIs413() throws Exception {
        RawResponse response = raw(INGEST.getLocalPort(), "POST", "/v1/users/" + OWNER + "/media",
                "Content-Type: image/png\r\nContent-Length: " + (26L << 20) + "\r\n", new byte[0], false);
        rawProblem(response, 413, "payload-too-large");
    }

    @Order(4)
    @Test
    @DisplayName("size: a media upload cut short (declared length not sent) is 422 naming no internal type")
    void aTruncatedMediaUploadIs422() throws Exception {
        byte[] head = new byte[70_000];
        System.arraycopy(PNG, 0, head, 0, PNG.length);
        RawResponse response = raw(INGEST.getLocalPort(), "POST", "/v1/users/" + OWNER + "/media",
                "Content-Type: image/png\r\nContent-Length: 200000\r\n", head, true);
        rawProblem(response, 422, "validation-failed");
    }

    @Order(4)
    @Test
    @DisplayName("slow client: a tenant's upload beyond its 4 concurrent ones is 429 at once; another tenant's is 201")
    void aTenantsUploadBeyondItsConcurrencyCapIs429() throws Exception {
        String path = "/v1/users/uploader-" + NONCE + "/media";
        List<Socket> slow = new ArrayList<>();
        double before = uploadsInProgress();
        try {
            // four uploads that send their first bytes and then nothing: each holds one of the tenant's permits
            for (int i = 0; i < 4; i++) {
                Socket socket = new Socket("127.0.0.1", INGEST.getLocalPort());
                slow.add(socket);
                OutputStream out = socket.getOutputStream();
                out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                        + "\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(PNG);
                out.flush();
            }
            // once the four are streaming (the server's own gauge), the fifth must be refused at once
            await().atMost(Duration.ofSeconds(30)).until(() -> uploadsInProgress() >= before + 4);
            long started = System.nanoTime();
            HttpResponse<String> fifth = upload(path, KEY);
            // refused, not queued behind the slow four (they would hold it until Jetty's 30 s idle timeout)
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            problem(fifth, 429, "too-many-concurrent-uploads");
            assertThat(fifth.headers().firstValue("Retry-After")).isPresent();
            assertThat(upload(path, OTHER_KEY).statusCode()).isEqualTo(201);
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        // the abandoned uploads end (422, connection gone) and give their permits back
        await().atMost(Duration.ofSeconds(20)).until(() -> upload(path, KEY).statusCode() == 201);
    }

    /** The ingest instance's own count of uploads streaming now, from its Prometheus scrape. */
    private static double uploadsInProgress() throws Exception {
        HttpResponse<String> scrape = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + INGEST.getAdminPort() + "/prometheus")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        return scrape.body().lines().filter(line -> line.startsWith("mnemo_ingest_media_uploads_in_progress"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no uploads gauge in the scrape"));
    }

    private static HttpResponse<String> upload(String path, String key) throws Exception {
        return send(HttpRequest.newBuilder(ingestUri(path)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(PNG)));
    }

    @Order(4)
    @Test
    @DisplayName("slow client: a JSON body trickled past the body deadline (3 s here) is 408")
    void aTricklingBodyIs408() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", INGEST.getLocalPort())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/users/" + OWNER + "/memories HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + KEY + "\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // one byte every 500 ms until the server answers (or closes while we are still sending)
            await().atMost(Duration.ofSeconds(8)).pollDelay(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        try {
                            out.write(' ');
                            out.flush();
                            return socket.getInputStream().available() > 0;
                        } catch (java.io.IOException closed) {
                            return true;
                        }
                    });
            rawProblem(readResponse(socket.getInputStream()), 408, "request-timeout");
        }
    }

    // ---------------------------------------------------------------- content types

    @Order(5)
    @ParameterizedTest(name = "content type: {0} to a JSON endpoint is 415")
    @ValueSource(strings = {"text/plain", "application/xml", "application/x-www-form-urlencoded"})
    void aNonJsonBodyToABatchIs415(String type) throws Exception {
        problem(ingest("POST", "/v1/memories:batch", KEY, type, "{\"items\":[]}"), 415, "unsupported-media-type");
    }

    @Order(5)
    @Test
    @DisplayName("content type: 'application/JSON' in capitals is still JSON and still capped (413)")
    void anUpperCaseJsonTypeIsCapped() throws Exception {
        RawResponse response = raw(INGEST.getLocalPort(), "POST", "/v1/users/" + OWNER + "/memories",
                "Content-Type: Application/JSON\r\nContent-Length: " + (17 << 20) + "\r\n", new byte[0], false);
        rawProblem(response, 413, "payload-too-large");
    }

    static Stream<Arguments> disguisedMedia() {
        return Stream.of(
                Arguments.of("image/png", "text", "not a png at all".getBytes(StandardCharsets.UTF_8)),
                Arguments.of("image/png", "a Windows executable", new byte[]{'M', 'Z', (byte) 0x90, 0, 3, 0, 0, 0}),
                Arguments.of("image/jpeg", "HTML", "<html><script>alert(1)</script></html>"
                        .getBytes(StandardCharsets.UTF_8)),
                Arguments.of("application/pdf", "a PNG", PNG),
                Arguments.of("application/x-msdownload", "a Windows executable",
                        new byte[]{'M', 'Z', (byte) 0x90, 0, 3, 0, 0, 0}));
    }

    @Order(5)
    @ParameterizedTest(name = "media sniffing: declared {0} holding {1} is 415")
    @MethodSource("disguisedMedia")
    void mediaWhoseBytesContradictTheDeclaredTypeIs415(String declared, String actually, byte[] bytes)
            throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(ingestUri("/v1/users/" + OWNER + "/media"))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", declared)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
        problem(response, 415, "unsupported-media-type");
    }

    // ---------------------------------------------------------------- paths and ids

    static Stream<Arguments> badUserPaths() {
        return Stream.of(
                Arguments.of("dot", "/v1/users/./memories", 400, "invalid-parameter"),
                Arguments.of("dot-dot", "/v1/users/../memories", 400, "invalid-parameter"),
                Arguments.of("encoded dot-dot", "/v1/users/%2E%2E/memories", 400, "malformed-request"),
                Arguments.of("encoded slash", "/v1/users/a%2Fb/memories", 400, "malformed-request"),
                Arguments.of("encoded NUL", "/v1/users/a%00b/memories", 400, "malformed-request"),
                Arguments.of("unicode", "/v1/users/%C3%A9l%C3%A8ve/memories", 400, "invalid-parameter"),
                Arguments.of("encoded CRLF", "/v1/users/a%0D%0ASet-Cookie:x/memories", 400, "malformed-request"),
                Arguments.of("129 characters", "/v1/users/" + "u".repeat(129) + "/memories", 400,
                        "invalid-parameter"));
    }

    @Order(6)
    @ParameterizedTest(name = "path: a {0} user id in a read is {2} {3}")
    @MethodSource("badUserPaths")
    void aReadWithABadUserIdIsRefused(String name, String path, int status, String type) throws Exception {
        problem(query(path, KEY), status, type);
    }

    @Order(6)
    @ParameterizedTest(name = "path: a {0} user id in a capture is {2} {3}")
    @MethodSource("badUserWrites")
    void aCaptureWithABadUserIdIsRefused(String name, String path, int status, String type) throws Exception {
        problem(ingest("POST", path, KEY, "application/json",
                "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"x\"}"), status, type);
    }

    static Stream<Arguments> badUserWrites() {
        return Stream.of(
                Arguments.of("dot", "/v1/users/./memories", 422, "validation-failed"),
                Arguments.of("dot-dot", "/v1/users/../memories", 422, "validation-failed"),
                Arguments.of("encoded slash", "/v1/users/a%2Fb/memories", 400, "malformed-request"),
                Arguments.of("encoded NUL", "/v1/users/a%00b/memories", 400, "malformed-request"),
                Arguments.of("unicode", "/v1/users/%C3%A9l%C3%A8ve/memories", 422, "validation-failed"));
    }

    @Order(6)
    @Test
    @DisplayName("path: a 10 KB user id is refused with a problem (414 or 400), never a 500")
    void aTenKilobyteUserIdIsRefused() throws Exception {
        HttpResponse<String> response = query("/v1/users/" + "u".repeat(10_000) + "/memories", KEY);
        problem(response, 414, "uri-too-long");
    }

    @Order(6)
    @Test
    @DisplayName("path: a memory id that is no UUID is 404 on read and 422 on revision")
    void aMemoryIdThatIsNoUuid() throws Exception {
        problem(query("/v1/users/" + OWNER + "/memories/1%27%20OR%20%271%27=%271", KEY), 404, "not-found");
        JsonNode problem = problem(ingest("PATCH", "/v1/users/" + OWNER + "/memories/..%2F..%2Fetc",
                KEY, "application/json", "{\"content\":\"x\"}"), 400, "malformed-request");
        assertThat(problem.toString()).doesNotContain("etc/passwd");
        JsonNode notUuid = problem(ingest("PATCH", "/v1/users/" + OWNER + "/memories/not-a-uuid", KEY,
                "application/json", "{\"content\":\"x\"}"), 422, "validation-failed");
        assertThat(notUuid.at("/errors/0/field").asText()).isEqualTo("memoryId");
    }

    @Order(6)
    @Test
    @DisplayName("path: a media id of 200 characters or with a quote is 404 not-found")
    void aStrangeMediaIdIs404() throws Exception {
        problem(query("/v1/users/" + OWNER + "/media/" + "m".repeat(200), KEY), 404, "not-found");
        problem(query("/v1/users/" + OWNER + "/media/a%27b", KEY), 404, "not-found");
    }

    // ---------------------------------------------------------------- query parameters

    static Stream<Arguments> badParameters() {
        String list = "/v1/users/" + OWNER + "/memories";
        return Stream.of(
                Arguments.of(list + "?limit=0", "limit"),
                Arguments.of(list + "?limit=-1", "limit"),
                Arguments.of(list + "?limit=201", "limit"),
                Arguments.of(list + "?limit=99999999999999999999", "limit"),
                Arguments.of(list + "?limit=1e3", "limit"),
                Arguments.of(list + "?from=yesterday", "from"),
                Arguments.of(list + "?from=2026-11-01T00:00:00Z&to=2026-10-01T00:00:00Z", "from"),
                Arguments.of(list + "?to=%2B999999999-12-31T23:59:59Z", "to"),
                Arguments.of(list + "?q=" + "a".repeat(1000), "q"),
                Arguments.of(list + "?tag=" + "t".repeat(65), "tag"),
                Arguments.of(list + "?tag=%00", "tag"),
                Arguments.of("/v1/users/" + OWNER + "/memories:export?to=0000-12-31T23:59:59Z", "to"),
                Arguments.of("/v1/users/" + OWNER + "/activity?from=2026-02-30", "from"),
                Arguments.of("/v1/users/" + OWNER + "/activity?from=1900-01-01&to=2026-01-01", "from"),
                Arguments.of("/v1/analytics/activity?granularity=year", "granularity"),
                Arguments.of("/v1/analytics/activity?granularity=%00", "granularity"));
    }

    @Order(7)
    @ParameterizedTest(name = "query parameter: {0} is 400 naming {1}")
    @MethodSource("badParameters")
    void aBadQueryParameterIs400NamingIt(String path, String parameter) throws Exception {
        JsonNode problem = problem(query(path, KEY), 400, "invalid-parameter");
        assertThat(problem.at("/errors/0/field").asText()).isEqualTo(parameter);
    }

    @Order(7)
    @Test
    @DisplayName("query parameter: unknown parameters (tenantId, userId) are ignored, never obeyed")
    void unknownParametersAreIgnored() throws Exception {
        HttpResponse<String> response = query("/v1/users/" + OWNER + "/memories?tenantId=" + OTHER_TENANT
                + "&userId=someone&debug=true", KEY);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(items(response)).hasSize(OWNER_MEMORIES.size());
        HttpResponse<String> other = query("/v1/users/" + OWNER + "/memories?tenantId=" + TENANT, OTHER_KEY);
        assertThat(items(other)).isEmpty();
    }

    @Order(7)
    @Test
    @DisplayName("query parameter: a read position that is not partition:offset is 400 naming the header")
    void aGarbagePositionIs400() throws Exception {
        JsonNode problem = problem(query("/v1/users/" + OWNER + "/memories", KEY, "X-Mnemo-Position",
                "99999999999999999999:-1"), 400, "invalid-parameter");
        assertThat(problem.at("/errors/0/field").asText()).isEqualTo("X-Mnemo-Position");
    }

    @Order(7)
    @ParameterizedTest(name = "query parameter: a read position {0} is 400 at once naming the header")
    @ValueSource(strings = {"0:1000000000", "0:9223372036854775807", "4096:0"})
    void aPositionBeyondTheEndOfTheLogIs400AtOnce(String position) throws Exception {
        long started = System.nanoTime();
        JsonNode problem = problem(query("/v1/users/" + OWNER + "/memories", KEY, "X-Mnemo-Position", position),
                400, "invalid-parameter");
        // refused without waiting for the projections (they would be waited on for 2 s, then the primary asked)
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(problem.at("/errors/0/field").asText()).isEqualTo("X-Mnemo-Position");
    }

    // ---------------------------------------------------------------- cursors

    static String firstCursor() throws Exception {
        JsonNode page = JSON.readTree(query("/v1/users/" + OWNER + "/memories?limit=1", KEY).body());
        assertThat(page.get("nextCursor").isTextual()).as(page.toString()).isTrue();
        return page.get("nextCursor").asText();
    }

    static Stream<Arguments> cursorAbuses() throws Exception {
        return Stream.of(
                Arguments.of("one character flipped", (CursorUse) (cursor) -> query("/v1/users/" + OWNER
                        + "/memories?limit=1&cursor=" + flip(cursor, cursor.length() / 2), KEY)),
                Arguments.of("first byte (the position's time) flipped", (CursorUse) (cursor) -> query("/v1/users/"
                        + OWNER + "/memories?limit=1&cursor=" + flipByte(cursor, 0), KEY)),
                Arguments.of("last byte (the signature's) flipped", (CursorUse) (cursor) -> query("/v1/users/"
                        + OWNER + "/memories?limit=1&cursor=" + flipByte(cursor, -1), KEY)),
                Arguments.of("truncated", (CursorUse) (cursor) -> query("/v1/users/" + OWNER
                        + "/memories?limit=1&cursor=" + cursor.substring(0, cursor.length() - 4), KEY)),
                Arguments.of("reused for another user", (CursorUse) (cursor) -> query("/v1/users/other-" + NONCE
                        + "/memories?limit=1&cursor=" + cursor, KEY)),
                Arguments.of("reused with another filter", (CursorUse) (cursor) -> query("/v1/users/" + OWNER
                        + "/memories?limit=1&tag=t&cursor=" + cursor, KEY)),
                Arguments.of("reused with another text search", (CursorUse) (cursor) -> query("/v1/users/" + OWNER
                        + "/memories?limit=1&q=owned&cursor=" + cursor, KEY)),
                Arguments.of("reused by another tenant", (CursorUse) (cursor) -> query("/v1/users/" + OWNER
                        + "/memories?limit=1&cursor=" + cursor, OTHER_KEY)),
                Arguments.of("6 KB of garbage", (CursorUse) (cursor) -> query("/v1/users/" + OWNER
                        + "/memories?limit=1&cursor=" + "A".repeat(6000), KEY)));
    }

    interface CursorUse {
        HttpResponse<String> with(String cursor) throws Exception;
    }

    @Order(8)
    @ParameterizedTest(name = "cursor: {0} is 400 naming cursor")
    @MethodSource("cursorAbuses")
    void anAbusedCursorIs400(String name, CursorUse use) throws Exception {
        String cursor = firstCursor();
        assertThat(query("/v1/users/" + OWNER + "/memories?limit=1&cursor=" + cursor, KEY).statusCode())
                .as("the cursor itself works").isEqualTo(200);
        JsonNode problem = problem(use.with(cursor), 400, "invalid-parameter");
        assertThat(problem.at("/errors/0/field").asText()).isEqualTo("cursor");
    }

    /**
     * One bit of the decoded cursor flipped (a character flip in the base64 text may only touch the unused bits
     * of its last character, which decode to the same bytes: the same cursor, not a tampered one).
     */
    private static String flipByte(String cursor, int at) {
        byte[] bytes = java.util.Base64.getUrlDecoder().decode(cursor);
        int index = at < 0 ? bytes.length + at : at;
        bytes[index] ^= 0x01;
        java.util.Base64.Encoder encoder = java.util.Base64.getUrlEncoder();
        return (cursor.endsWith("=") ? encoder : encoder.withoutPadding()).encodeToString(bytes);
    }

    private static String flip(String cursor, int at) {
        char c = cursor.charAt(at);
        char replacement = c == 'A' ? 'B' : 'A';
        return cursor.substring(0, at) + replacement + cursor.substring(at + 1);
    }

    // ---------------------------------------------------------------- headers

    static Stream<Arguments> hostileRequestIds() {
        return Stream.of(
                Arguments.of("overlong", "r".repeat(300)),
                Arguments.of("HTML", "<script>alert(1)</script>"),
                Arguments.of("encoded CRLF", "abc%0D%0ASet-Cookie:%20a=b"),
                Arguments.of("log-forging spaces", "ok requestId=forged level=ERROR"));
    }

    @Order(9)
    @ParameterizedTest(name = "header: a {0} X-Request-Id is replaced by a fresh id, never echoed")
    @MethodSource("hostileRequestIds")
    void aHostileRequestIdIsNotEchoed(String name, String requestId) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(queryUri("/v1/users/" + OWNER
                + "/memories?limit=0")).header("Authorization", "Bearer " + KEY).header("X-Request-Id", requestId));
        JsonNode problem = problem(response, 400, "invalid-parameter");
        String echoed = response.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(echoed).isNotEqualTo(requestId).matches("[0-9a-f-]{36}");
        assertThat(problem.get("requestId").asText()).isEqualTo(echoed);
        assertThat(response.body()).doesNotContain(requestId);
        assertThat(response.headers().map().keySet()).noneMatch(h -> h.equalsIgnoreCase("Set-Cookie"));
    }

    @Order(9)
    @Test
    @DisplayName("header: a raw CR LF inside X-Request-Id cannot add a response header")
    void aRawCrLfInARequestIdCannotInjectAHeader() throws Exception {
        RawResponse response = raw(QUERY.getLocalPort(), "GET", "/v1/users/" + OWNER + "/memories?limit=0",
                "X-Request-Id: abc\r\nSet-Cookie: injected=1\r\n", new byte[0], false);
        rawProblem(response, 400, "invalid-parameter");
        assertThat(response.header("Set-Cookie")).isNull();
        assertThat(response.header("X-Request-Id")).isEqualTo("abc");
        RawResponse bareCr = raw(QUERY.getLocalPort(), "GET", "/v1/users/" + OWNER + "/memories?limit=0",
                "X-Request-Id: abc\rSet-Cookie: injected=1\r\n", new byte[0], false);
        rawProblem(bareCr, 400, "malformed-request");
        assertThat(bareCr.head()).doesNotContain("injected");
    }

    static Stream<Arguments> protocolAbuses() {
        String capture = "/v1/users/" + OWNER + "/memories";
        String body = "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"smuggled\"}";
        return Stream.of(
                Arguments.of("two different Content-Length headers (smuggling)", "POST", capture,
                        "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\nContent-Length: 5\r\n",
                        body, 400, "malformed-request"),
                Arguments.of("Content-Length and chunked together (smuggling)", "POST", capture,
                        "Content-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n",
                        Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n", 400,
                        "malformed-request"),
                Arguments.of("request headers over 8 KiB", "GET", capture, "X-Pad: " + "p".repeat(9000) + "\r\n", "",
                        431, "request-header-fields-too-large"),
                Arguments.of("PUT on the memories collection", "PUT", capture,
                        "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n", body, 405,
                        "method-not-allowed"),
                Arguments.of("an unknown admin-looking path", "GET", "/v1/admin/keys", "", "", 404, "not-found"));
    }

    @Order(9)
    @ParameterizedTest(name = "protocol: {0} is {5} {6}")
    @MethodSource("protocolAbuses")
    void aProtocolAbuseIsRefusedWithAProblem(String name, String method, String path, String headers, String body,
                                             int status, String type) throws Exception {
        RawResponse response = raw(INGEST.getLocalPort(), method, path, headers,
                body.getBytes(StandardCharsets.US_ASCII), false);
        rawProblem(response, status, type);
    }

    // ---------------------------------------------------------------- erasure

    @Order(10)
    @Test
    @DisplayName("erasure: a producer key (memories:write, media:write) cannot erase: 403 naming users:erase")
    void aProducerKeyCannotErase() throws Exception {
        String producer = PlatformApps.apiKey(DEVSTACK, TENANT, Set.of(Scopes.MEMORIES_WRITE, Scopes.MEDIA_WRITE));
        JsonNode problem = problem(ingest("DELETE", "/v1/users/" + OWNER, producer, null, null), 403, "forbidden");
        assertThat(problem.get("detail").asText()).contains("users:erase");
        assertThat(items(query("/v1/users/" + OWNER + "/memories", KEY))).hasSize(3);
    }

    @Order(11)
    @Test
    @DisplayName("erasure: after DELETE /v1/users/{u} every write is 410 user-erased and the user's list is empty")
    void afterErasureWritesAre410AndNothingIsListed() throws Exception {
        String user = "erased-" + NONCE;
        HttpResponse<String> captured = ingest("POST", "/v1/users/" + user + "/memories", KEY, "application/json",
                "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"to be erased\"}");
        assertThat(captured.statusCode()).as(captured.body()).isEqualTo(202);
        String memoryId = JSON.readTree(captured.body()).get("memoryId").asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> items(query("/v1/users/" + user + "/memories", KEY))
                .size() == 1);
        String eraser = PlatformApps.apiKey(DEVSTACK, TENANT, Set.of(Scopes.USERS_ERASE));
        HttpResponse<String> erased = ingest("DELETE", "/v1/users/" + user, eraser, null, null);
        assertThat(erased.statusCode()).as(erased.body()).isEqualTo(202);

        problem(ingest("POST", "/v1/users/" + user + "/memories", KEY, "application/json",
                "{\"occurredAt\":\"2026-10-02T10:00:00Z\",\"content\":\"after\"}"), 410, "user-erased");
        problem(ingest("PATCH", "/v1/users/" + user + "/memories/" + memoryId, KEY, "application/json",
                "{\"content\":\"after\"}"), 410, "user-erased");
        problem(ingest("DELETE", "/v1/users/" + user + "/memories/" + memoryId, KEY, null, null), 410,
                "user-erased");
        problem(send(HttpRequest.newBuilder(ingestUri("/v1/users/" + user + "/media"))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(PNG))), 410, "user-erased");
        await().atMost(Duration.ofSeconds(60)).until(() -> items(query("/v1/users/" + user + "/memories", KEY))
                .isEmpty());
        problem(query("/v1/users/" + user + "/memories/" + memoryId, KEY), 404, "not-found");
        HttpResponse<String> export = query("/v1/users/" + user + "/memories:export", KEY);
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.body()).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private static HttpResponse<String> call(Endpoint endpoint, String key) throws Exception {
        URI uri = endpoint.service() == Service.INGEST ? ingestUri(endpoint.path()) : queryUri(endpoint.path());
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        if (endpoint.type() != null) {
            request.header("Content-Type", endpoint.type());
        }
        HttpRequest.BodyPublisher body = endpoint.name().equals("media")
                ? HttpRequest.BodyPublishers.ofByteArray(PNG)
                : endpoint.body() == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(endpoint.body());
        return send(request.method(endpoint.method(), body));
    }

    static HttpResponse<String> ingest(String method, String path, String key, String type, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(ingestUri(path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        if (type != null) {
            request.header("Content-Type", type);
        }
        return send(request);
    }

    static HttpResponse<String> query(String path, String key, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(queryUri(path)).header("Authorization", "Bearer " + key);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    private static URI ingestUri(String path) {
        return URI.create("http://127.0.0.1:" + INGEST.getLocalPort() + path);
    }

    private static URI queryUri(String path) {
        return URI.create("http://127.0.0.1:" + QUERY.getLocalPort() + path);
    }

    /** Every answer of the suite passes here: none may carry a stack trace or a class name. */
    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertNoLeak(response.body());
        return response;
    }

    static void assertNoLeak(String body) {
        assertThat(LEAK.matcher(body).find()).as("no stack trace or class name in: %s",
                body.length() > 2000 ? body.substring(0, 2000) : body).isFalse();
    }

    /** The exact status, {@code application/problem+json} and problem type; returns the document. */
    static JsonNode problem(HttpResponse<String> response, int status, String type) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).as(response.body()).hasValue(PROBLEM_JSON);
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("type").asText()).as(response.body()).isEqualTo("urn:mnemo:problem:" + type);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        return problem;
    }

    static List<JsonNode> items(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<JsonNode> items = new ArrayList<>();
        JSON.readTree(response.body()).get("items").forEach(items::add);
        return items;
    }

    /** A response read off a socket: status line, headers (lower-case names) and body. */
    record RawResponse(int status, String head, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    static void rawProblem(RawResponse response, int status, String type) throws Exception {
        assertThat(response.status()).as(response.head() + response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).as(response.head()).isEqualTo(PROBLEM_JSON);
        assertNoLeak(response.body());
        assertThat(JSON.readTree(response.body()).path("type").asText()).isEqualTo("urn:mnemo:problem:" + type);
    }

    /**
     * One request written by hand: the headers given (each ending in CRLF) after the request line, Host and the
     * suite's key, then the body bytes; {@code halfClose} ends the sending side so the server sees the body end.
     */
    static RawResponse raw(int port, String method, String path, String headers, byte[] body, boolean halfClose)
            throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY + "\r\n"
                    + headers + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            try {
                out.write(body);
                out.flush();
                if (halfClose) {
                    socket.shutdownOutput();
                }
            } catch (java.io.IOException e) {
                // the server may answer and close before the whole body is sent: read its answer
            }
            return readResponse(socket.getInputStream());
        }
    }

    static RawResponse readResponse(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        for (int b; !head.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0; ) {
            head.append((char) b);
        }
        String headText = head.toString();
        String[] lines = headText.split("\r\n");
        assertThat(lines[0]).as("a status line: " + headText).startsWith("HTTP/1.1 ");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        Map<String, String> headers = new java.util.HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String length = headers.get("content-length");
        if (length != null) {
            body.write(in.readNBytes(Integer.parseInt(length)));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            while (true) {
                String size = readLine(in);
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    readLine(in);
                    break;
                }
                body.write(in.readNBytes(n));
                readLine(in);
            }
        } else {
            body.write(in.readAllBytes());
        }
        return new RawResponse(status, headText, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String readLine(InputStream in) throws Exception {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
