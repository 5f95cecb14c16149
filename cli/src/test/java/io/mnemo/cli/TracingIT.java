package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.cli.OtlpReceiver.ReceivedSpan;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.ingest.IngestConfiguration;
import io.mnemo.processors.ProcessorsConfiguration;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A request's W3C trace crosses the platform on real infrastructure: ingest's server span continues the caller's
 * traceparent, the topology's fold span continues ingest's (from the event's Kafka header), the memories sink's
 * batch span links to the fold's (from the memory-changes header), and all of them reach an OTLP endpoint.
 */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
class TracingIT {
    static final Devstack DEVSTACK = DevstackExtension.devstack();
    /** A tenant of its own: the stack is shared, and WalkingSkeletonIT counts every row of the default tenant. */
    static final String API_KEY = PlatformApps.apiKey(DEVSTACK,
            "tracing-" + java.util.UUID.randomUUID().toString().substring(0, 8));
    static final OtlpReceiver COLLECTOR = new OtlpReceiver();
    static final Map<String, String> TRACING = Map.of("tracing.enabled", "true",
            "tracing.otlpEndpoint", COLLECTOR.endpoint(), "tracing.exportDelay", "100ms");
    static final DropwizardAppExtension<ProcessorsConfiguration> PROCESSORS = PlatformApps.processors(DEVSTACK,
            TRACING);
    static final DropwizardAppExtension<IngestConfiguration> INGEST = PlatformApps.ingest(DEVSTACK, TRACING);

    @AfterAll
    static void stopCollector() {
        COLLECTOR.close();
    }

    @Test
    void theCallersTraceContinuesThroughIngestTheFoldAndTheMemoriesSink() {
        String traceId = randomHex(16);
        String callerSpanId = randomHex(8);

        Response response = INGEST.client().target("http://127.0.0.1:" + INGEST.getLocalPort())
                .path("/v1/users/tracing-user/memories").request()
                .header("Authorization", "Bearer " + API_KEY)
                .header("Idempotency-Key", "tracing-" + traceId)
                .header("traceparent", "00-" + traceId + "-" + callerSpanId + "-01")
                .post(Entity.json(Map.of("occurredAt", "2026-11-01T10:00:00Z", "content", "traced")));
        assertThat(response.getStatus()).isEqualTo(202);

        ReceivedSpan server = await().atMost(Duration.ofSeconds(30)).until(
                () -> find(s -> s.service().equals("mnemo-ingest") && s.traceId().equals(traceId)),
                Optional::isPresent).orElseThrow();
        assertThat(server.parentSpanId()).isEqualTo(callerSpanId);
        assertThat(server.name()).isEqualTo("POST /v1/users/{userId}/memories");

        ReceivedSpan fold = await().atMost(Duration.ofSeconds(30)).until(
                () -> find(s -> s.name().equals("mnemo.fold") && s.traceId().equals(traceId)),
                Optional::isPresent).orElseThrow();
        assertThat(fold.service()).isEqualTo("mnemo-processors");
        assertThat(fold.parentSpanId()).as("the fold continues ingest's span, from the event's header")
                .isEqualTo(server.spanId());

        ReceivedSpan sink = await().atMost(Duration.ofSeconds(30)).until(
                () -> find(s -> s.name().equals("mnemo.sink.memories")
                        && s.links().contains(List.of(traceId, fold.spanId()))),
                Optional::isPresent).orElseThrow();
        assertThat(sink.service()).isEqualTo("mnemo-processors");
    }

    @Test
    void aRequestWithoutTraceparentStartsATraceThatTheFoldContinues() {
        String key = "untraced-" + randomHex(8);

        Response response = INGEST.client().target("http://127.0.0.1:" + INGEST.getLocalPort())
                .path("/v1/users/tracing-user/memories").request()
                .header("Authorization", "Bearer " + API_KEY)
                .header("Idempotency-Key", key)
                .post(Entity.json(Map.of("occurredAt", "2026-11-01T10:00:00Z", "content", "untraced")));
        assertThat(response.getStatus()).isEqualTo(202);

        // the fold of this memory's event: a child of a root server span of ingest
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<ReceivedSpan> spans = COLLECTOR.spans();
            assertThat(spans).anySatisfy(server -> {
                assertThat(server.service()).isEqualTo("mnemo-ingest");
                assertThat(server.parentSpanId()).isEmpty();
                assertThat(server.name()).isEqualTo("POST /v1/users/{userId}/memories");
                assertThat(spans).anySatisfy(fold -> {
                    assertThat(fold.name()).isEqualTo("mnemo.fold");
                    assertThat(fold.traceId()).isEqualTo(server.traceId());
                    assertThat(fold.parentSpanId()).isEqualTo(server.spanId());
                });
            });
        });
    }

    private static Optional<ReceivedSpan> find(java.util.function.Predicate<ReceivedSpan> wanted) {
        return COLLECTOR.spans().stream().filter(wanted).findFirst();
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1;
        return HexFormat.of().formatHex(random);
    }
}
