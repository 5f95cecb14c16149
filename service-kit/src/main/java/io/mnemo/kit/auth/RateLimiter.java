package io.mnemo.kit.auth;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One token bucket per API key (Bucket4j, greedy refill): {@code burst} requests at once, then
 * {@code ratePerSecond} sustained. A key's own limits win over the service defaults.
 */
public final class RateLimiter {
    private final int defaultRatePerSecond;
    private final int defaultBurst;
    private final Map<String, Limited> buckets = new ConcurrentHashMap<>();

    /** What one request got: allowed or not, and what the RateLimit headers say. */
    public record Decision(boolean allowed, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {
    }

    private record Limited(int ratePerSecond, int burst, Bucket bucket) {
    }

    public RateLimiter(int defaultRatePerSecond, int defaultBurst) {
        if (defaultRatePerSecond < 1 || defaultBurst < 1) {
            throw new IllegalArgumentException("rate and burst must be at least 1");
        }
        this.defaultRatePerSecond = defaultRatePerSecond;
        this.defaultBurst = defaultBurst;
    }

    /** Takes one token from the key's bucket if there is one. */
    public Decision tryAcquire(ApiKey key) {
        int rate = key.ratePerSecondOverride().orElse(defaultRatePerSecond);
        int burst = key.burstOverride().orElse(defaultBurst);
        // A key whose limits were changed gets a fresh bucket with the new limits at the next request.
        Limited limited = buckets.compute(key.keyId(), (id, existing) ->
                existing != null && existing.ratePerSecond() == rate && existing.burst() == burst
                        ? existing : new Limited(rate, burst, newBucket(rate, burst)));
        ConsumptionProbe probe = limited.bucket().tryConsumeAndReturnRemaining(1);
        long reset = ceilSeconds(probe.getNanosToWaitForReset());
        if (probe.isConsumed()) {
            return new Decision(true, burst, probe.getRemainingTokens(), reset, 0);
        }
        return new Decision(false, burst, 0, reset, Math.max(1, ceilSeconds(probe.getNanosToWaitForRefill())));
    }

    private static Bucket newBucket(int ratePerSecond, int burst) {
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(burst).refillGreedy(ratePerSecond, Duration.ofSeconds(1))
                        .build())
                .build();
    }

    private static long ceilSeconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }
}
