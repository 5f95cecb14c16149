package io.mnemo.processors;

import com.codahale.metrics.health.HealthCheck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Remembers recent stream-thread failures. A failure is answered by replacing the thread (a transient cause, such
 * as an unreachable registry, then heals by itself); but a thread that keeps failing is a crash loop, and the
 * {@code streams} health check must say so instead of staying green.
 */
final class StreamThreadFailures {
    static final int LOOP_THRESHOLD = 3;
    static final Duration WINDOW = Duration.ofMinutes(5);

    private final Clock clock;
    private final Deque<Instant> recent = new ArrayDeque<>();
    private long total;
    private String lastReason;

    StreamThreadFailures(Clock clock) {
        this.clock = clock;
    }

    synchronized void failed(Throwable error) {
        Instant now = clock.instant();
        recent.addLast(now);
        total++;
        lastReason = error.getClass().getName() + ": " + error.getMessage();
        prune(now);
    }

    synchronized long total() {
        return total;
    }

    /** Unhealthy while {@value #LOOP_THRESHOLD} or more failures fall within the last {@link #WINDOW}. */
    synchronized HealthCheck.Result health(HealthCheck.Result otherwise) {
        prune(clock.instant());
        if (recent.size() >= LOOP_THRESHOLD) {
            return HealthCheck.Result.unhealthy("stream threads failed " + recent.size() + " times in the last "
                    + WINDOW.toMinutes() + " min (crash loop?); last: " + lastReason);
        }
        return otherwise;
    }

    private void prune(Instant now) {
        while (!recent.isEmpty() && recent.peekFirst().isBefore(now.minus(WINDOW))) {
            recent.removeFirst();
        }
    }
}
