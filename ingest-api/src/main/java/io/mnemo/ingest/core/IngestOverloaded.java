package io.mnemo.ingest.core;

import java.time.Duration;

/** Too many writes are waiting for Kafka already: refuse at once rather than queue without bound. */
public final class IngestOverloaded extends IngestException {
    private final Duration retryAfter;

    public IngestOverloaded(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
