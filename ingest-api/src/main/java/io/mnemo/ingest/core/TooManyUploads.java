package io.mnemo.ingest.core;

import java.time.Duration;

/**
 * The tenant already has as many uploads in progress on this instance as it may: refused before a byte is read,
 * so one tenant's slow or numerous uploads cannot take the upload slots every tenant shares.
 */
public final class TooManyUploads extends MediaRejected {
    private final int limit;
    private final Duration retryAfter;

    public TooManyUploads(int limit, Duration retryAfter) {
        super("the tenant already has " + limit + " uploads in progress, the most it may have at once");
        this.limit = limit;
        this.retryAfter = retryAfter;
    }

    public int limit() {
        return limit;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
