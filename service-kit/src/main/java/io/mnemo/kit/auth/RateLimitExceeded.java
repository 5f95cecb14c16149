package io.mnemo.kit.auth;

import java.util.Optional;

/**
 * A request whose cost its key's rate limit does not allow: not now (429, retry after the tokens refill), or never
 * (413: the cost is more than the key's burst; the request must be split).
 */
public final class RateLimitExceeded extends RuntimeException {
    private final long cost;
    private final long burst;
    private final Optional<RateLimiter.Decision> decision;

    private RateLimitExceeded(String message, long cost, long burst, Optional<RateLimiter.Decision> decision) {
        super(message);
        this.cost = cost;
        this.burst = burst;
        this.decision = decision;
    }

    static RateLimitExceeded neverFits(String keyId, long cost, long burst) {
        return new RateLimitExceeded("This request costs " + cost + " rate-limit tokens (one per item and per media "
                + "reference), more than key " + keyId + " may spend at once (" + burst + "); split it into requests "
                + "of at most " + burst, cost, burst, Optional.empty());
    }

    static RateLimitExceeded notNow(String keyId, long cost, RateLimiter.Decision decision) {
        return new RateLimitExceeded("This request costs " + cost + " rate-limit tokens (one per item and per media "
                + "reference); key " + keyId + " does not have them now; retry after " + decision.retryAfterSeconds()
                + " s", cost, decision.limit(), Optional.of(decision));
    }

    public long cost() {
        return cost;
    }

    public long burst() {
        return burst;
    }

    /** The refusal of a cost that would fit later; empty when it never fits. */
    public Optional<RateLimiter.Decision> decision() {
        return decision;
    }
}
