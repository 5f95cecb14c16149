package io.mnemo.ingest.core;

import java.time.Duration;

/** The media store is unreachable or failing (or saturated by uploads): nothing was staged or registered. */
public final class MediaStorageUnavailable extends MediaRejected {
    private final Duration retryAfter;

    public MediaStorageUnavailable(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
