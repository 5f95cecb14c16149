package io.mnemo.ingest.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.ingest.IngestConfiguration;
import io.mnemo.kit.auth.ApiKeyToken;
import io.mnemo.kit.auth.CreatedApiKey;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.schemas.events.MemoryCaptured;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Who may write: the auth matrix, the tenant taken only from the key, per-key rate limits, and keys that keep
 * working from the cache while Postgres is down.
 */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
class ApiKeyAuthIT {
    static final String PREFIX = "ingest-auth-it";
    static final DropwizardAppExtension<IngestConfiguration> APP = IngestApiIT.IngestTestApp.create(PREFIX,
            // short, so revocation and Postgres outages show within a test's patience
            ConfigOverride.config(PREFIX, "auth.refreshInterval", "1s"),
            ConfigOverride.config(PREFIX, "auth.unknownKeyTtl", "500ms"),
            // one instance's buckets, so the token counts below are exact (sharing: SharedRateLimitIT)
            ConfigOverride.config(PREFIX, "auth.sharedLimits.enabled", "false"));
    private static final ObjectMapper JSON = new ObjectMapper();
    // The JDK client: Dropwizard's silently retries 429 and 503 responses that carry Retry-After.
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String MEMORY = "{\"occurredAt\":\"2026-10-01T08:00:00Z\",\"content\":\"auth\","
            + "\"attributes\":{\"tenant\":\"mallory\",\"tenantId\":\"mallory\"}}";

    private static HttpResponse<String> post(String authorization, String path) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort()
                        + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(MEMORY));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return StaleConnections.send(HTTP, request.build());
    }

    private static HttpResponse<String> postWithKey(String key) throws Exception {
        return postWithKey(key, "u-" + UUID.randomUUID());
    }

    private static HttpResponse<String> postWithKey(String key, String user) throws Exception {
        return post("Bearer " + key, "/v1/users/" + user + "/memories");
    }

    private static String problemType(HttpResponse<String> response) throws Exception {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        return JSON.readTree(response.body()).get("type").asText();
    }

    private static String scrape() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getAdminPort() + "/prometheus"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static JsonNode health(String check) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getAdminPort()
                + "/healthcheck")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return JSON.readTree(body).get(check);
    }

    @Test
    void withoutAKeyTheAnswerIs401WithABearerChallenge() throws Exception {
        HttpResponse<String> response = post(null, "/v1/users/alice/memories");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith("Bearer"));
        assertThat(problemType(response)).isEqualTo("urn:mnemo:problem:unauthenticated");
        assertThat(JSON.readTree(response.body()).get("requestId").asText())
                .isEqualTo(response.headers().firstValue("X-Request-Id").orElseThrow());
    }

    @Test
    void aMalformedAuthorizationHeaderIs401() throws Exception {
        String valid = TestKeys.create("auth-it", Scopes.MEMORIES_WRITE);
        for (String header : new String[] {"Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-mnemo-key",
                valid, "Bearer " + valid + "x", "Bearer " + valid.substring(0, 30)}) {
            HttpResponse<String> response = post(header, "/v1/users/alice/memories");

            assertThat(response.statusCode()).as(header).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).as(header).isPresent();
            assertThat(problemType(response)).isEqualTo("urn:mnemo:problem:unauthenticated");
        }
    }

    /**
     * A body refused before anyone read it: a small one is read and dropped, so its connection carries the next
     * request; a large one is not read, and the answer says {@code Connection: close} before the server closes, so
     * a pooling client never sends a request on a connection that is going away (UnreadBodies).
     */
    @Test
    void aRefusedSmallBodyKeepsItsConnectionAndARefusedLargeOneIsAnsweredWithConnectionClose() throws Exception {
        byte[] memory = MEMORY.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", APP.getLocalPort())) {
            socket.setSoTimeout(10_000);
            var in = new BufferedInputStream(socket.getInputStream());
            for (int i = 0; i < 2; i++) {
                socket.getOutputStream().write(requestHead(memory.length));
                socket.getOutputStream().write(memory);
                RawResponse answer = RawResponse.read(in);

                assertThat(answer.status()).as("request %d on one connection", i + 1).isEqualTo(401);
                assertThat(answer.header("connection")).as("request %d", i + 1).isNotEqualTo("close");
            }
        }
        try (Socket socket = new Socket("127.0.0.1", APP.getLocalPort())) {
            socket.setSoTimeout(10_000);
            var in = new BufferedInputStream(socket.getInputStream());
            socket.getOutputStream().write(requestHead(1 << 20));
            socket.getOutputStream().write(memory);
            RawResponse answer = RawResponse.read(in);

            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.header("connection")).isEqualTo("close");
            assertThat(in.read()).as("then the server closes the connection").isEqualTo(-1);
        }
    }

    private static byte[] requestHead(long contentLength) {
        return ("POST /v1/users/alice/memories HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** An HTTP/1.1 answer read off a socket: status, headers (names lower-cased), and its body skipped. */
    private record RawResponse(int status, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name);
        }

        static RawResponse read(InputStream in) throws IOException {
            String statusLine = line(in);
            Map<String, String> headers = new HashMap<>();
            for (String line = line(in); !line.isEmpty(); line = line(in)) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim().toLowerCase(Locale.ROOT));
            }
            if (headers.containsKey("content-length")) {
                in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else if ("chunked".equals(headers.get("transfer-encoding"))) {
                for (int size = Integer.parseInt(line(in).trim(), 16); size > 0;
                        size = Integer.parseInt(line(in).trim(), 16)) {
                    in.readNBytes(size);
                    line(in);
                }
                line(in);
            }
            return new RawResponse(Integer.parseInt(statusLine.split(" ")[1]), headers);
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new EOFException("connection closed after: " + line);
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }
    }

    @Test
    void anUnknownKeyOrAWrongSecretIs401() throws Exception {
        String valid = TestKeys.create("auth-it", Scopes.MEMORIES_WRITE);
        String wrongSecret = valid.substring(0, 19) + ApiKeyToken.generate().plaintext().substring(19);

        assertThat(postWithKey(ApiKeyToken.generate().plaintext()).statusCode()).isEqualTo(401);
        HttpResponse<String> response = postWithKey(wrongSecret);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(problemType(response)).isEqualTo("urn:mnemo:problem:unauthenticated");
        assertThat(response.body()).doesNotContain(valid.substring(19));
    }

    @Test
    void aRevokedKeyIs401OnceTheCacheHasRefreshed() throws Exception {
        CreatedApiKey created = TestKeys.store().create("auth-it", "to-revoke", Set.of(Scopes.MEMORIES_WRITE),
                null, null);
        assertThat(postWithKey(created.plaintext()).statusCode()).isEqualTo(202);

        assertThat(TestKeys.store().revoke(created.key().keyId())).isTrue();

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> postWithKey(created.plaintext()).statusCode() == 401);
        assertThat(problemType(postWithKey(created.plaintext()))).isEqualTo("urn:mnemo:problem:unauthenticated");
    }

    @Test
    void aKeyWithoutTheWriteScopeIs403() throws Exception {
        String readOnly = TestKeys.create("auth-it", Scopes.MEMORIES_READ, Scopes.ANALYTICS_READ);

        HttpResponse<String> response = postWithKey(readOnly);

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(problemType(response)).isEqualTo("urn:mnemo:problem:forbidden");
        assertThat(JSON.readTree(response.body()).get("detail").asText()).contains(Scopes.MEMORIES_WRITE);
        assertThat(scrape()).containsPattern("mnemo_ingest_rejected_total\\{.*reason=\"forbidden\".*tenant=\"auth-it\"");
    }

    @Test
    void aValidKeyWritesAndTheEventBelongsToTheKeysTenantWhateverElseIsClaimed() throws Exception {
        String key = TestKeys.create("acme", Scopes.MEMORIES_WRITE);
        String user = "u-" + UUID.randomUUID();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort()
                        + "/v1/users/" + user + "/memories?tenant=mallory&tenantId=mallory"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .header("X-Tenant-Id", "mallory").header("X-Mnemo-Tenant", "mallory")
                .POST(HttpRequest.BodyPublishers.ofString(MEMORY)).build();

        HttpResponse<String> response = StaleConnections.send(HTTP, request);

        assertThat(response.statusCode()).isEqualTo(202);
        String[] position = JSON.readTree(response.body()).get("position").asText().split(":");
        MemoryCaptured event = (MemoryCaptured) IngestApiIT.readAt(Integer.parseInt(position[0]),
                Long.parseLong(position[1])).value();
        assertThat(event.getTenantId()).isEqualTo("acme");
        assertThat(event.getUserId()).isEqualTo(user);
        // the shipped default burst: tokens for the largest batch (500 items of 20 media ids)
        assertThat(response.headers().firstValue("RateLimit-Limit")).hasValue("10500");
    }

    private static String batchOf(int items) {
        StringBuilder body = new StringBuilder("{\"items\":[");
        for (int i = 0; i < items; i++) {
            body.append(i == 0 ? "" : ",").append("{\"userId\":\"cost-").append(i)
                    .append("\",\"occurredAt\":\"2026-10-01T08:00:00Z\",\"content\":\"item\"}");
        }
        return body.append("]}").toString();
    }

    private static HttpResponse<String> batchWithKey(String key, int items) throws Exception {
        return StaleConnections.send(HTTP, HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + APP.getLocalPort() + "/v1/memories:batch")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(batchOf(items))).build());
    }

    @Test
    void aBatchCostsOneTokenPerItemAndOneCostingMoreThanTheBurstIs413() throws Exception {
        String key = TestKeys.store().create("auth-it", "by-cost", Set.of(Scopes.MEMORIES_WRITE), 1, 10).plaintext();

        HttpResponse<String> tooCostly = batchWithKey(key, 11);
        assertThat(tooCostly.statusCode()).isEqualTo(413);
        assertThat(problemType(tooCostly)).isEqualTo("urn:mnemo:problem:request-exceeds-rate-limit");
        assertThat(JSON.readTree(tooCostly.body()).get("detail").asText()).contains("costs 11").contains("at most 10");

        // the refused batch cost its arrival's token only: 9 left, 6 of them for this batch
        assertThat(batchWithKey(key, 6).statusCode()).isEqualTo(202);
        HttpResponse<String> notNow = batchWithKey(key, 6);
        assertThat(notNow.statusCode()).isEqualTo(429);
        assertThat(problemType(notNow)).isEqualTo("urn:mnemo:problem:rate-limited");
        assertThat(Long.parseLong(notNow.headers().firstValue("Retry-After").orElseThrow())).isGreaterThanOrEqualTo(1);
        assertThat(JSON.readTree(notNow.body()).get("detail").asText()).contains("costs 6");
        // nothing of the refused batch reached the log
        assertThat(JSON.readTree(notNow.body()).has("results")).isFalse();
    }

    @Test
    void theThirdRequestOfABurstBeyondTheKeysLimitIs429WithRetryAfterAndRateLimitHeaders() throws Exception {
        String key = TestKeys.store().create("auth-it", "slow", Set.of(Scopes.MEMORIES_WRITE), 1, 2).plaintext();

        HttpResponse<String> first = postWithKey(key);
        HttpResponse<String> second = postWithKey(key);
        HttpResponse<String> third = postWithKey(key);

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.headers().firstValue("RateLimit-Limit")).hasValue("2");
        assertThat(first.headers().firstValue("RateLimit-Remaining")).hasValue("1");
        assertThat(second.statusCode()).isEqualTo(202);
        assertThat(second.headers().firstValue("RateLimit-Remaining")).hasValue("0");
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(problemType(third)).isEqualTo("urn:mnemo:problem:rate-limited");
        assertThat(Long.parseLong(third.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 2L);
        assertThat(third.headers().firstValue("RateLimit-Limit")).hasValue("2");
        assertThat(third.headers().firstValue("RateLimit-Remaining")).hasValue("0");
        assertThat(Long.parseLong(third.headers().firstValue("RateLimit-Reset").orElseThrow())).isBetween(1L, 2L);
        assertThat(scrape()).containsPattern(
                "mnemo_ingest_rejected_total\\{.*reason=\"rate-limited\".*tenant=\"auth-it\"");

        // the bucket refills at one request per second
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250))
                .until(() -> postWithKey(key).statusCode() == 202);
    }

    @Test
    void withPostgresStoppedACachedKeyIsStillAccepted() throws Exception {
        String key = TestKeys.create("auth-it", Scopes.MEMORIES_WRITE);
        String user = "u-" + UUID.randomUUID();
        assertThat(postWithKey(key, user).statusCode()).isEqualTo(202);

        var postgres = DevstackExtension.devstack().primaryServer();
        postgres.stop();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> health("api-keys").get("message").asText().startsWith("STALE"));
            assertThat(health("api-keys").get("healthy").asBoolean()).isTrue();

            for (int i = 0; i < 3; i++) {
                assertThat(postWithKey(key, user).statusCode()).isEqualTo(202);
            }
            // a user never written before needs a data key made in Postgres: 503 with Retry-After, not a guess
            HttpResponse<String> newUser = postWithKey(key);
            assertThat(newUser.statusCode()).as(newUser.body()).isEqualTo(503);
            assertThat(newUser.headers().firstValue("Retry-After")).isPresent();
            // a key the cache has never seen cannot be checked: 503, not a guess either way
            HttpResponse<String> unseen = postWithKey(ApiKeyToken.generate().plaintext());
            assertThat(unseen.statusCode()).isEqualTo(503);
            assertThat(unseen.headers().firstValue("Retry-After")).isPresent();
        } finally {
            postgres.start();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> !health("api-keys").get("message").asText().startsWith("STALE"));
        // and new users get their data key again (reads pause 2 s after a failure)
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> postWithKey(key).statusCode() == 202);
    }
}
