package io.mnemo.kit.auth;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate-limit buckets shared by every instance of a service, without a database round trip per request. Each
 * instance spends tokens it has leased from the key's shared bucket ({@code rate_limit_buckets}); a lease round
 * ({@link #leaseRound()}, every {@code leaseInterval} on a background thread) tops up, in one statement for all
 * busy keys, each key whose local balance is below its target: the instance's share of the burst
 * ({@code burst / expectedInstances}), or two lease intervals of the key's rate, or the cost of its largest request in
 * the last 10 s, or of the largest request refused since, whichever is largest, at most the burst.
 *
 * <p>A key this instance has not leased for yet may spend an <em>advance</em> of {@code burst / expectedInstances}
 * tokens at once (so its first requests do not wait for a lease); the first lease repays it. A request the balance
 * does not cover is refused (429) and its cost becomes the key's demand for the next lease. So N instances accept
 * at most the key's rate over time, plus one burst from the shared bucket, plus per instance its advance and the
 * tokens it holds leased (at most the target): the lease slack.
 *
 * <p>Fail open: when a lease round failed, or none has succeeded for {@code staleAfter} (Postgres down or hanging), each key is
 * limited by a bucket of this instance alone with its share of the limits ({@code rate / expectedInstances},
 * {@code burst / expectedInstances}, at least 1), until a lease succeeds again. What is spent meanwhile is not
 * charged to the shared bucket afterwards. Requests never wait for Postgres.
 */
public final class LeasedBuckets implements RateLimiter.BucketSource {
    private static final Logger LOG = LoggerFactory.getLogger(LeasedBuckets.class);
    /** How long the largest request of a key sizes what the instance keeps leased for it. */
    private static final Duration RECENT = Duration.ofSeconds(10);

    /** One key's request for tokens in a lease round. */
    public record LeaseRequest(String bucket, long want, double rate, double burst) {
    }

    /** The shared buckets: grants per bucket name for one round of requests; throws when unreachable. */
    @FunctionalInterface
    public interface SharedBuckets {
        Map<String, Long> lease(List<LeaseRequest> requests) throws Exception;
    }

    private final String service;
    private final SharedBuckets shared;
    private final Duration leaseInterval;
    private final Duration staleAfter;
    private final int expectedInstances;
    private final LongSupplier nanoTime;
    private final Map<String, Leased> keys = new ConcurrentHashMap<>();
    private volatile long lastSuccessNanos;
    private volatile boolean reachable = true;

    /**
     * @param service           prefix of the shared buckets' names, so each service has its own limits
     * @param expectedInstances how many instances share a key's limits: sizes the advance and the share enforced
     *                          alone while the shared buckets cannot be reached
     */
    public LeasedBuckets(String service, SharedBuckets shared, Duration leaseInterval, Duration staleAfter,
                         int expectedInstances, LongSupplier nanoTime) {
        if (expectedInstances < 1) {
            throw new IllegalArgumentException("expectedInstances must be at least 1");
        }
        this.service = service;
        this.shared = shared;
        this.leaseInterval = leaseInterval;
        this.staleAfter = staleAfter;
        this.expectedInstances = expectedInstances;
        this.nanoTime = nanoTime;
        this.lastSuccessNanos = nanoTime.getAsLong();
    }

    @Override
    public RateLimiter.KeyBucket bucket(String keyId, int ratePerSecond, int burst) {
        Leased leased = new Leased(service + ":" + keyId, ratePerSecond, burst);
        // a key whose limits changed gets a new bucket; the old one is no longer leased for
        keys.put(keyId, leased);
        return leased;
    }

    /** Whether the last lease round reached the shared buckets. */
    public boolean reachable() {
        return reachable;
    }

    /** A failed round, or none that succeeded for staleAfter (a lease hanging on a dead server). */
    private boolean stale(long now) {
        return !reachable || now - lastSuccessNanos > staleAfter.toNanos();
    }

    /** One lease round: tops up every busy key below its target; a failure leaves the balances as they are. */
    public void leaseRound() {
        long now = nanoTime.getAsLong();
        List<LeaseRequest> requests = new ArrayList<>();
        Map<String, Leased> byBucket = new java.util.HashMap<>();
        for (Leased leased : keys.values()) {
            long want = leased.want(now);
            if (want > 0) {
                requests.add(new LeaseRequest(leased.bucket, want, leased.rate, leased.burst));
                byBucket.put(leased.bucket, leased);
            }
        }
        try {
            // while unreachable an empty round is still sent: it is how the instance learns Postgres is back
            if (!requests.isEmpty() || !reachable) {
                Map<String, Long> grants = shared.lease(requests);
                grants.forEach((bucket, granted) -> {
                    Leased leased = byBucket.get(bucket);
                    if (leased != null) {
                        leased.granted(granted);
                    }
                });
            }
            lastSuccessNanos = nanoTime.getAsLong();
            if (!reachable) {
                LOG.info("Shared rate-limit buckets reachable again: keys' limits are shared by every instance");
                reachable = true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (reachable) {
                LOG.warn("Cannot lease rate-limit tokens from Postgres ({}): after {} each key is limited to 1/{} of "
                        + "its limits by this instance alone, until a lease succeeds", e.toString(), staleAfter,
                        expectedInstances);
                reachable = false;
            }
        }
    }

    /** A key's tokens on this instance: leased ones, the advance before its first lease, or its share alone. */
    private final class Leased implements RateLimiter.KeyBucket {
        final String bucket;
        final int rate;
        final int burst;
        private final long advance;
        private final Bucket alone;
        private boolean leasedOnce;
        private long balance;
        private long demand;
        private long largest;
        private long largestAtNanos;
        private long lastUsedNanos;

        Leased(String bucket, int rate, int burst) {
            this.bucket = bucket;
            this.rate = rate;
            this.burst = burst;
            this.advance = Math.max(1, burst / expectedInstances);
            this.alone = Bucket.builder().withCustomTimePrecision(new TimeMeter() {
                @Override
                public long currentTimeNanos() {
                    return nanoTime.getAsLong();
                }

                @Override
                public boolean isWallClockBased() {
                    return false;
                }
            }).addLimit(Bandwidth.builder().capacity(Math.max(1, burst / expectedInstances))
                    .refillGreedy(Math.max(1, rate / expectedInstances), Duration.ofSeconds(1)).build()).build();
            this.lastUsedNanos = nanoTime.getAsLong();
        }

        @Override
        public synchronized RateLimiter.Probe tryConsume(long tokens) {
            long now = nanoTime.getAsLong();
            lastUsedNanos = now;
            if (tokens >= largest || now - largestAtNanos > RECENT.toNanos()) {
                largest = tokens;
                largestAtNanos = now;
            }
            if (stale(now)) {
                ConsumptionProbe probe = alone.tryConsumeAndReturnRemaining(tokens);
                return new RateLimiter.Probe(probe.isConsumed(), probe.getRemainingTokens(),
                        probe.getNanosToWaitForRefill(), probe.getNanosToWaitForReset());
            }
            long spendable = balance + (leasedOnce ? 0 : advance);
            long toFull = nanosFor(burst - Math.max(0, spendable - tokens));
            if (tokens <= spendable) {
                balance -= tokens;
                return new RateLimiter.Probe(true, spendable - tokens, 0, toFull);
            }
            demand = Math.max(demand, tokens);
            return new RateLimiter.Probe(false, Math.max(0, spendable), nanosFor(tokens - spendable), toFull);
        }

        private long nanosFor(long tokens) {
            return Math.max(0, tokens) * 1_000_000_000L / rate;
        }

        /** What to lease now: up to the target, repaying what was spent on credit; 0 for an idle key. */
        synchronized long want(long now) {
            if (now - lastUsedNanos > Math.max(staleAfter.toNanos(), Duration.ofSeconds(10).toNanos())) {
                return 0;
            }
            long perRound = (long) Math.ceil(2.0 * rate * leaseInterval.toNanos() / 1_000_000_000.0);
            // the instance's share of the burst (so a request of up to that cost passes at once, as it would on one
            // instance alone), two rounds at the full rate, the largest request of late or the cost of one refused
            // since; at most the burst
            long recent = now - largestAtNanos > RECENT.toNanos() ? 0 : largest;
            long target = Math.min(burst, Math.max(Math.max(Math.max(advance, perRound), demand), recent));
            // a negative balance (the advance spent, or a debt) is repaid first
            return Math.max(0, target - balance);
        }

        synchronized void granted(long tokens) {
            leasedOnce = true;
            balance += tokens;
            if (balance >= demand) {
                demand = 0;
            }
        }
    }
}
