package io.mnemo.kit.auth;

import jakarta.ws.rs.container.ContainerRequestContext;

/**
 * Charges what a request costs to its key's rate limit once the cost is known (after the body is parsed, before
 * any work): a batch costs its items and media references, not one token. The token the request took when it
 * arrived ({@link RateLimitFilter}) counts towards its cost.
 */
public final class RequestCost {
    static final String PROPERTY = "mnemo.requestCost";
    private static final RequestCost FREE = new RequestCost(null, null);

    private final RateLimiter limiter;
    private final ApiKey key;

    RequestCost(RateLimiter limiter, ApiKey key) {
        this.limiter = limiter;
        this.key = key;
    }

    /** The request's charger; one that charges nothing when the endpoint has no rate limit. */
    public static RequestCost of(ContainerRequestContext request) {
        return request != null && request.getProperty(PROPERTY) instanceof RequestCost cost ? cost : FREE;
    }

    /**
     * Charges {@code cost} tokens in all (the arrival's token included).
     *
     * @throws RateLimitExceeded 429 when the key's bucket does not hold them now (nothing is taken), 413 when the
     *                           cost is more than the bucket can ever hold
     */
    public void charge(long cost) {
        if (limiter == null || cost <= 1) {
            return;
        }
        int burst = limiter.burstOf(key);
        if (cost > burst) {
            throw RateLimitExceeded.neverFits(key.keyId(), cost, burst);
        }
        RateLimiter.Decision decision = limiter.tryAcquire(key, cost - 1);
        if (!decision.allowed()) {
            throw RateLimitExceeded.notNow(key.keyId(), cost, decision);
        }
    }
}
