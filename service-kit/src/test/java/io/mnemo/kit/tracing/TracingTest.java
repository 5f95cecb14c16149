package io.mnemo.kit.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TracingTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String GIVEN = "00-" + TRACE + "-00f067aa0ba902b7-01";
    private static final String OTHER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
    private final Tracing tracing = Tracing.of(OpenTelemetrySdk.builder().setTracerProvider(provider).build());

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void continuesTheGivenTraceparentAsItsParent() {
        tracing.startChild("mnemo.fold", SpanKind.CONSUMER, GIVEN).end();

        SpanData span = exported.getFinishedSpanItems().get(0);
        assertThat(span.getTraceId()).isEqualTo(TRACE);
        assertThat(span.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(span.getParentSpanContext().isRemote()).isTrue();
    }

    @Test
    void startsANewTraceWhenTheTraceparentIsMissingOrMalformed() {
        tracing.startChild("a", SpanKind.SERVER, null).end();
        tracing.startChild("b", SpanKind.SERVER, "00-not-a-trace-01").end();

        assertThat(exported.getFinishedSpanItems()).allSatisfy(span -> {
            assertThat(span.getParentSpanContext().isValid()).isFalse();
            assertThat(span.getTraceId()).isNotEqualTo(TRACE);
        });
    }

    @Test
    void forwardsTheSpansOwnContextAsTraceparent() {
        Span span = tracing.startChild("a", SpanKind.SERVER, GIVEN);

        assertThat(Tracing.traceparent(span, GIVEN))
                .isEqualTo("00-" + TRACE + "-" + span.getSpanContext().getSpanId() + "-01");
        try (Scope ignored = span.makeCurrent()) {
            assertThat(Tracing.currentTraceparent(GIVEN)).isEqualTo(Tracing.traceparent(span, null));
        }
    }

    @Test
    void linksABatchToEachSourceTraceOnce() {
        tracing.startBatch("mnemo.sink.memories", List.of(GIVEN, OTHER, GIVEN)).end();

        SpanData span = exported.getFinishedSpanItems().get(0);
        assertThat(span.getLinks()).extracting(LinkData::getSpanContext).extracting(c -> c.getTraceId())
                .containsExactly(TRACE, "0af7651916cd43dd8448eb211c80319c");
        assertThat(span.getParentSpanContext().isValid()).isFalse();
        assertThat(span.getKind()).isEqualTo(SpanKind.CONSUMER);
    }

    @Test
    void aBatchFromOneTraceContinuesIt() {
        tracing.startBatch("mnemo.sink.memories", List.of(GIVEN, GIVEN)).end();

        SpanData span = exported.getFinishedSpanItems().get(0);
        assertThat(span.getTraceId()).isEqualTo(TRACE);
        assertThat(span.getLinks()).hasSize(1);
    }

    @Test
    void offMakesNoSpansAndForwardsWhatWasGiven() {
        Tracing off = Tracing.off();

        Span span = off.startChild("a", SpanKind.SERVER, GIVEN);
        off.startBatch("b", List.of(GIVEN)).end();

        assertThat(off.enabled()).isFalse();
        assertThat(span.getSpanContext().isValid()).isFalse();
        assertThat(Tracing.traceparent(span, GIVEN)).isEqualTo(GIVEN);
        assertThat(Tracing.currentTraceparent(GIVEN)).isEqualTo(GIVEN);
    }
}
