package io.mnemo.kit.tracing;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** The {@code traceparent} of a Kafka record: read as the raw header, so forwarding it costs no parsing. */
public final class TraceHeaders {
    private TraceHeaders() {
    }

    /** The record's {@code traceparent} header bytes, or null. */
    public static byte[] bytes(Headers headers) {
        Header header = headers.lastHeader(Tracing.TRACEPARENT);
        return header == null ? null : header.value();
    }

    /** The record's {@code traceparent}, or null. */
    public static String traceparent(Headers headers) {
        byte[] value = bytes(headers);
        return value == null ? null : new String(value, StandardCharsets.US_ASCII);
    }

    /** Sets (replaces) the {@code traceparent} header; does nothing when {@code traceparent} is null. */
    public static Headers with(Headers headers, byte[] traceparent) {
        if (traceparent != null) {
            headers.remove(Tracing.TRACEPARENT);
            headers.add(Tracing.TRACEPARENT, traceparent);
        }
        return headers;
    }

    public static byte[] bytes(String traceparent) {
        return traceparent == null ? null : traceparent.getBytes(StandardCharsets.US_ASCII);
    }
}
