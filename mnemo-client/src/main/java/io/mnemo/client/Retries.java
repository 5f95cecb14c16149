package io.mnemo.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Retries a call while its failure is transient (no answer, 408, 429, 502, 503, 504), waiting the answer's
 * Retry-After or else an exponential backoff with jitter; any other refusal (400, 401, 403, 404, 413, 422, ...)
 * is thrown at once as a {@link MnemoException}. Writes are only retried with their idempotency key unchanged.
 */
final class Retries {
    /** One attempt of a call of a generated client. */
    interface Attempt<T> {
        T run() throws Exception;
    }

    /** How to wait; tests pass one that records instead of sleeping. */
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final int maxAttempts;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final Sleeper sleeper;

    Retries(int maxAttempts, Duration firstBackoff, Duration maxBackoff, Sleeper sleeper) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        this.maxAttempts = maxAttempts;
        this.firstBackoff = firstBackoff;
        this.maxBackoff = maxBackoff;
        this.sleeper = sleeper;
    }

    int maxAttempts() {
        return maxAttempts;
    }

    <T> T call(Attempt<T> attempt) {
        for (int n = 1; ; n++) {
            try {
                return attempt.run();
            } catch (Exception e) {
                Answer answer = Answer.of(e);
                if (!answer.isTransient() || n >= maxAttempts) {
                    throw answer.toException();
                }
                pause(answer.retryAfter().orElse(backoff(n)));
            }
        }
    }

    /** Waits before attempt {@code n + 1}, or {@code retryAfter} when the service said how long. */
    void pause(Duration duration) {
        try {
            sleeper.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MnemoException(0, "", "interrupted while waiting to retry", java.util.Optional.empty(), null,
                    e);
        }
    }

    Duration backoff(int attempt) {
        long ceiling = Math.min(maxBackoff.toMillis(), firstBackoff.toMillis() << Math.min(attempt - 1, 20));
        // full jitter: many clients refused together do not come back together
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1));
    }
}
