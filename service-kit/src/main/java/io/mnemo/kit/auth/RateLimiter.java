package io.mnemo.kit.auth;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One token bucket per API key: {@code burst} tokens at once, then {@code ratePerSecond} sustained. A request
 * takes one token when it arrives ({@link RateLimitFilter}); a request that costs more (a batch: its items and
 * media references) is charged the rest once its cost is known ({@link RequestCost}). A key's own limits win over
 * the service defaults. Where the tokens live is a {@link BucketSource}: this instance alone
 * ({@link #local()}, Bucket4j, greedy refill) or leases from a bucket every instance shares ({@link LeasedBuckets}).
 */
public final class RateLimiter {
    private final int defaultRatePerSecond;
    private final int defaultBurst;
    private final BucketSource source;
    private final Map<String, Limited> buckets = new ConcurrentHashMap<>();

    /** What one request got: allowed or not, and what the RateLimit headers say. */
    public record Decision(boolean allowed, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {
    }

    /** What a key's bucket answered for one consumption. */
    public record Probe(boolean consumed, long remaining, long nanosToWaitForRefill, long nanosToWaitForReset) {
    }

    /** One key's tokens. */
    public interface KeyBucket {
        Probe tryConsume(long tokens);
    }

    /** Makes a key's bucket for its limits. */
    @FunctionalInterface
    public interface BucketSource {
        KeyBucket bucket(String keyId, int ratePerSecond, int burst);
    }

    private record Limited(int ratePerSecond, int burst, KeyBucket bucket) {
    }

    /** Buckets of this instance alone: N instances give a key N times its limits. */
    public RateLimiter(int defaultRatePerSecond, int defaultBurst) {
        this(defaultRatePerSecond, defaultBurst, local());
    }

    public RateLimiter(int defaultRatePerSecond, int defaultBurst, BucketSource source) {
        if (defaultRatePerSecond < 1 || defaultBurst < 1) {
            throw new IllegalArgumentException("rate and burst must be at least 1");
        }
        this.defaultRatePerSecond = defaultRatePerSecond;
        this.defaultBurst = defaultBurst;
        this.source = source;
    }

    /** Takes one token from the key's bucket if there is one. */
    public Decision tryAcquire(ApiKey key) {
        return tryAcquire(key, 1);
    }

    /** Takes {@code tokens} from the key's bucket if it holds them; none if it does not. */
    public Decision tryAcquire(ApiKey key, long tokens) {
        Limited limited = limited(key);
        KeyBucket bucket = limited.bucket();
        Probe probe = bucket.tryConsume(tokens);
        long reset = ceilSeconds(probe.nanosToWaitForReset());
        if (probe.consumed()) {
            return new Decision(true, limited.burst(), probe.remaining(), reset, 0);
        }
        return new Decision(false, limited.burst(), 0, reset, Math.max(1, ceilSeconds(probe.nanosToWaitForRefill())));
    }

    /** The most tokens the key's bucket can ever hold: a request costing more can never be allowed. */
    public int burstOf(ApiKey key) {
        return key.burstOverride().orElse(defaultBurst);
    }

    private Limited limited(ApiKey key) {
        int rate = key.ratePerSecondOverride().orElse(defaultRatePerSecond);
        int burst = key.burstOverride().orElse(defaultBurst);
        // A key whose limits were changed gets a fresh bucket with the new limits at the next request.
        return buckets.compute(key.keyId(), (id, existing) ->
                existing != null && existing.ratePerSecond() == rate && existing.burst() == burst
                        ? existing : new Limited(rate, burst, source.bucket(id, rate, burst)));
    }

    /** Bucket4j buckets in this JVM. */
    public static BucketSource local() {
        return (keyId, rate, burst) -> {
            Bucket bucket = Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(burst).refillGreedy(rate, Duration.ofSeconds(1)).build())
                    .build();
            return tokens -> {
                ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(tokens);
                return new Probe(probe.isConsumed(), probe.getRemainingTokens(), probe.getNanosToWaitForRefill(),
                        probe.getNanosToWaitForReset());
            };
        };
    }

    static long ceilSeconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }
}
