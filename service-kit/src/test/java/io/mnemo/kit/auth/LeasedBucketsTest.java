package io.mnemo.kit.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LeasedBucketsTest {
    private static final Duration ROUND = Duration.ofMillis(100);
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    /** rate_limit_buckets in memory, on the test's clock: refilled lazily, starting full, whole tokens granted. */
    private final class SharedTable implements LeasedBuckets.SharedBuckets {
        final Map<String, double[]> rows = new HashMap<>();
        final AtomicInteger rounds = new AtomicInteger();
        boolean down;

        @Override
        public Map<String, Long> lease(List<LeasedBuckets.LeaseRequest> requests) {
            rounds.incrementAndGet();
            if (down) {
                throw new IllegalStateException("connection refused");
            }
            Map<String, Long> grants = new HashMap<>();
            for (LeasedBuckets.LeaseRequest request : requests) {
                double[] row = rows.computeIfAbsent(request.bucket(), b -> new double[] {request.burst(), clock.get()});
                double available = Math.min(request.burst(),
                        row[0] + request.rate() * (clock.get() - row[1]) / 1e9);
                long granted = (long) Math.floor(Math.min(request.want(), available));
                row[0] = available - granted;
                row[1] = clock.get();
                grants.put(request.bucket(), granted);
            }
            return grants;
        }
    }

    private final SharedTable shared = new SharedTable();

    private LeasedBuckets instance(int expectedInstances) {
        return new LeasedBuckets("ingest", shared, ROUND, Duration.ofSeconds(1), expectedInstances, clock::get);
    }

    private void advance(Duration by) {
        clock.addAndGet(by.toNanos());
    }

    @Test
    void aKeysFirstRequestsSpendTheAdvanceAndTheFirstLeaseRepaysIt() {
        LeasedBuckets buckets = instance(2);
        RateLimiter.KeyBucket key = buckets.bucket("k1", 10, 20);

        // advance: burst / expected instances = 10, before any lease
        for (int i = 0; i < 10; i++) {
            assertThat(key.tryConsume(1).consumed()).isTrue();
        }
        assertThat(key.tryConsume(1).consumed()).isFalse();
        assertThat(shared.rounds).hasValue(0);

        buckets.leaseRound();

        // the lease repaid the 10 spent and took the target (the instance's share of the burst: 10) from the full
        // bucket of 20
        assertThat(shared.rows.get("ingest:k1")[0]).isEqualTo(0.0);
        for (int i = 0; i < 10; i++) {
            assertThat(key.tryConsume(1).consumed()).isTrue();
        }
        assertThat(key.tryConsume(1).consumed()).isFalse();
    }

    @Test
    void aRequestTheBalanceDoesNotCoverIsRefusedAndItsCostLeasedForTheNextRound() {
        // four instances: each keeps a quarter of the burst (250) at hand
        LeasedBuckets buckets = instance(4);
        RateLimiter.KeyBucket key = buckets.bucket("k2", 100, 1_000);
        buckets.leaseRound();
        key.tryConsume(1);
        buckets.leaseRound();

        RateLimiter.Probe refused = key.tryConsume(500);
        assertThat(refused.consumed()).isFalse();
        assertThat(refused.nanosToWaitForRefill()).isPositive();

        buckets.leaseRound();
        assertThat(key.tryConsume(500).consumed()).isTrue();
    }

    @Test
    void twoInstancesTogetherAcceptTheSharedRatePlusTheLeaseSlackNotTwiceIt() {
        LeasedBuckets first = instance(2);
        LeasedBuckets second = instance(2);
        int rate = 200;
        int burst = 50;
        RateLimiter.KeyBucket onFirst = first.bucket("k3", rate, burst);
        RateLimiter.KeyBucket onSecond = second.bucket("k3", rate, burst);
        long accepted = 0;
        // 10 s of both instances offered 1,000 requests/s each (10 every 10 ms), lease rounds every 100 ms
        for (int tick = 0; tick < 1_000; tick++) {
            for (int i = 0; i < 10; i++) {
                accepted += onFirst.tryConsume(1).consumed() ? 1 : 0;
                accepted += onSecond.tryConsume(1).consumed() ? 1 : 0;
            }
            advance(Duration.ofMillis(10));
            if (tick % 10 == 9) {
                first.leaseRound();
                second.leaseRound();
            }
        }
        long limit = rate * 10L + burst;
        // slack: each instance's advance (25) and leased target (2 rounds: 40)
        long slack = 2 * (25 + 40);
        assertThat(accepted).isBetween((long) (rate * 10 * 0.9), limit + slack);
    }

    @Test
    void withTheSharedBucketsUnreachableEachInstanceLimitsAloneToItsShare() {
        LeasedBuckets buckets = instance(2);
        RateLimiter.KeyBucket key = buckets.bucket("k4", 10, 20);
        buckets.leaseRound();
        assertThat(key.tryConsume(2).consumed()).isTrue();
        shared.down = true;
        buckets.leaseRound();
        assertThat(buckets.reachable()).isFalse();

        // alone: burst 20 / 2 instances = 10 at once, then 10 / 2 = 5 per second
        int allowed = 0;
        for (int i = 0; i < 30; i++) {
            allowed += key.tryConsume(1).consumed() ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(10);
        advance(Duration.ofSeconds(1));
        assertThat(key.tryConsume(5).consumed()).isTrue();
        assertThat(key.tryConsume(1).consumed()).isFalse();

        shared.down = false;
        buckets.leaseRound();
        assertThat(buckets.reachable()).isTrue();
        assertThat(key.tryConsume(1).consumed()).as("leased tokens again").isTrue();
    }

    @Test
    void aLeaseHangingLongerThanStaleAfterAlsoMakesTheInstanceLimitAlone() {
        LeasedBuckets buckets = instance(1);
        RateLimiter.KeyBucket key = buckets.bucket("k5", 10, 10);
        buckets.leaseRound();
        for (int i = 0; i < 10; i++) {
            key.tryConsume(1);
        }
        assertThat(key.tryConsume(1).consumed()).isFalse();

        // no round completes for longer than staleAfter (1 s)
        advance(Duration.ofMillis(1_500));

        assertThat(key.tryConsume(1).consumed()).isTrue();
    }

    @Test
    void idleKeysAreNotLeasedFor() {
        LeasedBuckets buckets = instance(1);
        buckets.bucket("k6", 10, 10).tryConsume(1);
        buckets.leaseRound();
        int rounds = shared.rounds.get();
        advance(Duration.ofSeconds(11));

        buckets.leaseRound();

        assertThat(shared.rounds).as("nothing to lease: no statement").hasValue(rounds);
    }
}
