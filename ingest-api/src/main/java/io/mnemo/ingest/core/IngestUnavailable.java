package io.mnemo.ingest.core;

import java.time.Duration;

/** The event log did not acknowledge the write in time: nothing may be reported as accepted. */
public final class IngestUnavailable extends IngestException {
    private final Duration retryAfter;

    public IngestUnavailable(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
