package io.mnemo.kit.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import java.util.Collection;
import java.util.List;

/**
 * A service's tracer, or none: when tracing is off ({@link #off()}) nothing is parsed or allocated and every span is
 * the invalid one, so callers forward the {@code traceparent} they were given unchanged. Spans continue the W3C
 * {@code traceparent} that travels in HTTP and Kafka headers.
 */
public final class Tracing {
    /** The W3C Trace Context header, in HTTP requests and Kafka records alike. */
    public static final String TRACEPARENT = "traceparent";
    private static final Tracing OFF = new Tracing(null);
    private static final String SCOPE = "io.mnemo";

    private final Tracer tracer;

    private Tracing(Tracer tracer) {
        this.tracer = tracer;
    }

    /** No spans at all; the cost of a call is a field read. */
    public static Tracing off() {
        return OFF;
    }

    /** Spans made by {@code openTelemetry}'s tracer (the factory's SDK, or a test's in-memory one). */
    public static Tracing of(OpenTelemetry openTelemetry) {
        return new Tracing(openTelemetry.getTracer(SCOPE));
    }

    public boolean enabled() {
        return tracer != null;
    }

    /** A span whose parent is {@code traceparent} (a new trace when it is null or malformed); not yet current. */
    public Span startChild(String name, SpanKind kind, String traceparent) {
        if (tracer == null) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder(name).setSpanKind(kind).setParent(parent(traceparent)).startSpan();
    }

    /**
     * A span over a batch of records that came from {@code traceparents} (duplicates ignored): linked to each, as
     * OpenTelemetry's messaging conventions have batch consumers do, and a child of the one when there is only one,
     * so the usual small batch shows inside its request's trace.
     */
    public Span startBatch(String name, Collection<String> traceparents) {
        if (tracer == null) {
            return Span.getInvalid();
        }
        SpanBuilder span = tracer.spanBuilder(name).setSpanKind(SpanKind.CONSUMER).setNoParent();
        List<SpanContext> sources = traceparents.stream().distinct().map(Tracing::spanContext)
                .filter(SpanContext::isValid).toList();
        sources.forEach(span::addLink);
        if (sources.size() == 1) {
            span.setParent(Context.root().with(Span.wrap(sources.get(0))));
        }
        return span.setAttribute("messaging.batch.message_count", (long) traceparents.size()).startSpan();
    }

    /** The root context carrying {@code traceparent} as a remote parent; the root context alone when it is unusable. */
    public static Context parent(String traceparent) {
        if (traceparent == null) {
            return Context.root();
        }
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), traceparent, ONE_HEADER);
    }

    /** The span context {@code traceparent} names; the invalid one when it is null or malformed. */
    public static SpanContext spanContext(String traceparent) {
        return Span.fromContext(parent(traceparent)).getSpanContext();
    }

    /** {@code span}'s context as a {@code traceparent}, or {@code otherwise} when the span is invalid (tracing off). */
    public static String traceparent(Span span, String otherwise) {
        SpanContext context = span.getSpanContext();
        if (!context.isValid()) {
            return otherwise;
        }
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    /**
     * What to forward as the {@code traceparent} of work done on this thread: the current span's (an HTTP request's
     * server span when tracing is on), else {@code given}, the one the caller sent.
     */
    public static String currentTraceparent(String given) {
        return traceparent(Span.current(), given);
    }

    /** Reads a lone {@code traceparent} string as a carrier. */
    private static final TextMapGetter<String> ONE_HEADER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of(TRACEPARENT);
        }

        @Override
        public String get(String carrier, String key) {
            return TRACEPARENT.equals(key) ? carrier : null;
        }
    };
}
