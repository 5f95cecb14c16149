package io.mnemo.query.core;

import java.time.Duration;

/**
 * The tenant already has as many exports streaming on this instance as it may: an export holds a database
 * connection for as long as its client reads, so one tenant's exports must not take the pool every tenant reads
 * through.
 */
public final class TooManyExports extends QueryException {
    private final Duration retryAfter;

    public TooManyExports(int limit, Duration retryAfter) {
        super("the tenant already has " + limit + " exports in progress, the most it may have at once");
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
