package io.mnemo.ingest.core;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a command came from, carried with its event (as Kafka headers) for tracing: the W3C
 * {@code traceparent} and the request id.
 */
public record Provenance(Optional<String> traceparent, Optional<String> requestId) {
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    public static final Provenance NONE = new Provenance(Optional.empty(), Optional.empty());

    /** Keeps a traceparent only when it is well formed (W3C Trace Context level 1); ignores it otherwise. */
    public static Provenance of(String traceparent, String requestId) {
        Optional<String> trace = Optional.ofNullable(traceparent).map(String::trim)
                .filter(t -> TRACEPARENT.matcher(t).matches())
                .filter(t -> !t.startsWith("ff") && !t.substring(3, 35).matches("0+") && !t.substring(36, 52).matches("0+"));
        return new Provenance(trace, Optional.ofNullable(requestId));
    }
}
