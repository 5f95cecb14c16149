package io.mnemo.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.cli.PlatformApps;
import io.mnemo.client.ingest.api.BatchesApi;
import io.mnemo.client.ingest.model.BatchItemRequest;
import io.mnemo.client.ingest.model.BatchItemResult;
import io.mnemo.client.ingest.model.BatchRequest;
import io.mnemo.client.ingest.model.BatchResponse;
import io.mnemo.client.ingest.model.CaptureMemoryRequest;
import io.mnemo.client.ingest.model.MemoryAccepted;
import io.mnemo.client.ingest.model.Problem;
import io.mnemo.client.query.ApiResponse;
import io.mnemo.client.query.api.MemoriesApi;
import io.mnemo.client.query.model.MemoryResponse;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.devstack.ServedOpenApi;
import io.mnemo.ingest.IngestConfiguration;
import io.mnemo.kit.auth.ApiKeyStore;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.processors.ProcessorsConfiguration;
import io.mnemo.query.QueryConfiguration;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The clients generated from the committed OpenAPI documents, used as a producer and an analyst would use them,
 * against the three services on the devstack: every result is typed, refusals included.
 */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
class GeneratedClientsIT {
    static final Devstack DEVSTACK = DevstackExtension.devstack();
    static final String API_KEY = PlatformApps.apiKey(DEVSTACK);
    static final DropwizardAppExtension<ProcessorsConfiguration> PROCESSORS = PlatformApps.processors(DEVSTACK);
    static final DropwizardAppExtension<IngestConfiguration> INGEST = PlatformApps.ingest(DEVSTACK);
    static final DropwizardAppExtension<QueryConfiguration> QUERY = PlatformApps.query(DEVSTACK);
    static final OffsetDateTime OCCURRED_AT = OffsetDateTime.parse("2026-11-02T10:00:00Z");

    private static io.mnemo.client.ingest.ApiClient ingest(String apiKey) {
        return new io.mnemo.client.ingest.ApiClient()
                .setRequestInterceptor(request -> request.header("Authorization", "Bearer " + apiKey))
                .setHost("127.0.0.1").setPort(INGEST.getLocalPort());
    }

    private static io.mnemo.client.query.ApiClient query() {
        return new io.mnemo.client.query.ApiClient()
                .setRequestInterceptor(request -> request.header("Authorization", "Bearer " + API_KEY))
                .setHost("127.0.0.1").setPort(QUERY.getLocalPort());
    }

    /** The problem+json body of a refusal, read with the generated model. */
    private static Problem problem(io.mnemo.client.ingest.ApiException e) {
        try {
            return ingest(API_KEY).getObjectMapper().readValue(e.getResponseBody(), Problem.class);
        } catch (java.io.IOException unreadable) {
            throw new AssertionError("not a problem document: " + e.getResponseBody(), unreadable);
        }
    }

    @Test
    void aCaptureReturnsItsTypedIdAndPositionWhichReadTheWriteBackThroughTheQueryClient() throws Exception {
        String user = "u-" + UUID.randomUUID();
        var memories = new io.mnemo.client.ingest.api.MemoriesApi(ingest(API_KEY));

        MemoryAccepted accepted = memories.captureMemory(user, new CaptureMemoryRequest().occurredAt(OCCURRED_AT)
                .content("read your writes").addTagsItem("sdk"), "capture-" + user, null);

        assertThat(accepted.getMemoryId()).isInstanceOf(UUID.class);
        assertThat(accepted.getPosition()).matches("[0-9]+:[0-9]+");
        MemoriesApi reads = new MemoriesApi(query());
        // the position makes the read wait for the projection, or answer 503 a moment before it is there
        ApiResponse<MemoryResponse> read = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> reads.getMemoryWithHttpInfo(user, accepted.getMemoryId(), accepted.getPosition()),
                        response -> response.getStatusCode() == 200);
        assertThat(read.getData().getContent()).isEqualTo("read your writes");
        assertThat(read.getData().getTags()).containsExactly("sdk");
        assertThat(read.getHeaders().get("x-mnemo-position")).isNotEmpty();
        assertThat(reads.listMemories(user, null, null, null, null, 10L, null, accepted.getPosition()).getItems())
                .extracting(MemoryResponse::getMemoryId).containsExactly(accepted.getMemoryId().toString());
    }

    @Test
    void aBatchWithOneBadItemIsATyped207NamingThatItemsProblem() throws Exception {
        String user = "u-" + UUID.randomUUID();
        BatchRequest batch = new BatchRequest()
                .addItemsItem(new BatchItemRequest().userId(user).occurredAt(OCCURRED_AT).content("fine"))
                .addItemsItem(new BatchItemRequest().userId("not a user id!").occurredAt(OCCURRED_AT).content("bad"));

        var response = new BatchesApi(ingest(API_KEY)).captureBatchWithHttpInfo(batch, null);

        assertThat(response.getStatusCode()).isEqualTo(207);
        BatchResponse body = response.getData();
        assertThat(body.getAccepted()).isEqualTo(1);
        assertThat(body.getRefused()).isEqualTo(1);
        BatchItemResult refused = body.getResults().get(1);
        assertThat(refused.getStatus()).isEqualTo(422);
        assertThat(refused.getMemoryId()).isNull();
        assertThat(refused.getProblem().getType().toString()).isEqualTo("urn:mnemo:problem:validation-failed");
        assertThat(refused.getProblem().getErrors()).singleElement()
                .satisfies(error -> assertThat(error.getField()).isEqualTo("userId"));
        assertThat(body.getResults().get(0).getMemoryId()).isNotNull();
    }

    @Test
    void aRateLimitedCaptureIsAnApiExceptionCarryingItsRetryDelay() throws Exception {
        var pg = DEVSTACK.primary();
        String oneASecond = new ApiKeyStore(Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password() == null ? ""
                : pg.password())).create(PlatformApps.TENANT, "one-a-second", Set.of(Scopes.MEMORIES_WRITE), 1, 1)
                .plaintext();
        var memories = new io.mnemo.client.ingest.api.MemoriesApi(ingest(oneASecond));
        CaptureMemoryRequest memory = new CaptureMemoryRequest().occurredAt(OCCURRED_AT).content("throttled");
        memories.captureMemory("u-limited", memory, null, null);

        assertThatThrownBy(() -> memories.captureMemory("u-limited", memory, null, null))
                .isInstanceOfSatisfying(io.mnemo.client.ingest.ApiException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(429);
                    assertThat(e.getResponseHeaders().firstValue("Retry-After")).hasValueSatisfying(
                            seconds -> assertThat(Integer.parseInt(seconds)).isPositive());
                    assertThat(problem(e).getType().toString()).isEqualTo("urn:mnemo:problem:rate-limited");
                });
    }

    @Test
    void theGeneratedTypeScriptClientCapturesAMemoryWithNode() throws Exception {
        String user = "u-ts-" + UUID.randomUUID();
        Process node = new ProcessBuilder(ServedOpenApi.repositoryRoot().resolve("tools/typescript-client-call")
                .toString(), "http://127.0.0.1:" + INGEST.getLocalPort(), API_KEY, user)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(node.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(node.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)).isTrue();

        assertThat(node.exitValue()).as(output).isZero();
        var accepted = ingest(API_KEY).getObjectMapper().readTree(output);
        assertThat(accepted.get("position").asText()).matches("[0-9]+:[0-9]+");
        // the same idempotency key from Java names the same memory: the TypeScript call really wrote it
        MemoryAccepted again = new io.mnemo.client.ingest.api.MemoriesApi(ingest(API_KEY)).captureMemory(user,
                new CaptureMemoryRequest().occurredAt(OCCURRED_AT).content("from TypeScript"), "ts-" + user, null);
        assertThat(again.getMemoryId().toString()).isEqualTo(accepted.get("memoryId").asText());
    }
}
