package io.mnemo.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A fixed schedule of requests, whatever the answers take (an open-loop load generator): request i leaves at
 * {@code start + i × interval}; latency is then measured from that scheduled time, so queueing a slow answer causes
 * is counted rather than hidden (no coordinated omission).
 */
final class OpenLoop {
    /** Sends request {@code i}, scheduled at {@code scheduledNanos}; the future completes with its answer. */
    @FunctionalInterface
    interface Send {
        CompletableFuture<?> send(long i, long scheduledNanos);
    }

    private OpenLoop() {
    }

    /**
     * Runs {@code requests} sends {@code intervalNanos} apart and waits for every answer. A send due while
     * {@code maxInFlight} are unanswered is skipped (the generator never blocks the schedule); returns how many were.
     */
    static long run(long requests, double intervalNanos, int maxInFlight, Send send) throws InterruptedException {
        Semaphore inFlight = new Semaphore(maxInFlight);
        long skipped = 0;
        long started = System.nanoTime();
        for (long i = 0; i < requests; i++) {
            long scheduled = started + (long) (i * intervalNanos);
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            if (!inFlight.tryAcquire()) {
                skipped++;
                continue;
            }
            send.send(i, scheduled).whenComplete((answer, failure) -> inFlight.release());
        }
        inFlight.acquire(maxInFlight);
        return skipped;
    }
}
