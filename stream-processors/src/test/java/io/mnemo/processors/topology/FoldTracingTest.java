package io.mnemo.processors.topology;

import static io.mnemo.processors.topology.MemoryChangesTopologyTest.captured;
import static io.mnemo.processors.topology.MemoryChangesTopologyTest.revised;
import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.kit.tracing.TraceHeaders;
import io.mnemo.kit.tracing.Tracing;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The topology continues an event's trace: a fold span per event, its context on every record it produces. */
class FoldTracingTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String GIVEN = "00-" + TRACE + "-00f067aa0ba902b7-01";

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
    private TopologyHarness harness;

    @AfterEach
    void close() {
        harness.close();
        provider.close();
    }

    @Test
    void foldsEachEventInASpanContinuingItsTraceAndForwardsThatSpansContext() {
        harness = new TopologyHarness(new Properties(),
                Tracing.of(OpenTelemetrySdk.builder().setTracerProvider(provider).build()));

        harness.events.pipeInput(traced(captured(UUID.randomUUID(), UUID.randomUUID(), "hello")));

        SpanData fold = exported.getFinishedSpanItems().get(0);
        assertThat(fold.getName()).isEqualTo("mnemo.fold");
        assertThat(fold.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(fold.getTraceId()).isEqualTo(TRACE);
        assertThat(fold.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(fold.getAttributes().asMap().toString()).contains("mnemo.outcome=Applied");
        String forwarded = "00-" + TRACE + "-" + fold.getSpanId() + "-01";
        assertThat(harness.changes.readRecordsToList()).hasSize(2)
                .allSatisfy(r -> assertThat(TraceHeaders.traceparent(r.headers())).isEqualTo(forwarded));
        assertThat(harness.activity.readRecordsToList()).hasSize(1)
                .allSatisfy(r -> assertThat(TraceHeaders.traceparent(r.headers())).isEqualTo(forwarded));
    }

    @Test
    void forwardsTheEventsTraceparentUnchangedWhenTracingIsOff() {
        harness = new TopologyHarness();

        harness.events.pipeInput(traced(captured(UUID.randomUUID(), UUID.randomUUID(), "hello")));
        harness.events.pipeInput(traced(revised(UUID.randomUUID(), "an unknown memory", null)));

        assertThat(harness.changes.readRecordsToList()).hasSize(3)
                .allSatisfy(r -> assertThat(TraceHeaders.traceparent(r.headers())).isEqualTo(GIVEN));
        assertThat(harness.deadLetters.readRecordsToList()).hasSize(1)
                .allSatisfy(r -> assertThat(TraceHeaders.traceparent(r.headers())).isEqualTo(GIVEN));
        assertThat(exported.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void anEventWithoutTraceparentProducesRecordsWithoutOneWhenTracingIsOff() {
        harness = new TopologyHarness();

        harness.events.pipeInput("acme/alice", captured(UUID.randomUUID(), UUID.randomUUID(), "hello"));

        assertThat(harness.changes.readRecordsToList())
                .allSatisfy(r -> assertThat(r.headers().lastHeader(Tracing.TRACEPARENT)).isNull());
    }

    private static TestRecord<String, SpecificRecord> traced(SpecificRecord event) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Tracing.TRACEPARENT, GIVEN.getBytes(StandardCharsets.US_ASCII));
        return new TestRecord<>("acme/alice", event, headers, (java.time.Instant) null);
    }
}
