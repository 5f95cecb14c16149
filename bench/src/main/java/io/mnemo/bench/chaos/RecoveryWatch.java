package io.mnemo.bench.chaos;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Recovery time of one fault: from the moment it is repaired (a process restarted, a partition healed, a replica
 * promoted) until every memory accepted before that moment is listed by the query service with its content. It
 * includes the platform's normal end-to-end delay, so a fault that delayed nothing recovers in about that delay.
 * Watched in the background while the load goes on; a failed comparison (the query service or its database still
 * unavailable) is retried.
 */
public final class RecoveryWatch {
    private static final long POLL_MILLIS = 500;

    private final CompletableFuture<Duration> recovered;

    private RecoveryWatch(CompletableFuture<Duration> recovered) {
        this.recovered = recovered;
    }

    /** Starts watching now, the moment of the repair. */
    public static RecoveryWatch fromNow(LedgerCheck check, Ledger ledger, List<String> users, Duration limit) {
        long repairedAt = System.nanoTime();
        Ledger owed = ledger.snapshot();
        CompletableFuture<Duration> recovered = CompletableFuture.supplyAsync(() -> {
            long deadline = repairedAt + limit.toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    LedgerCheck.Result result = check.compare(owed, users);
                    if (result.lost().isEmpty() && result.stale().isEmpty()) {
                        return Duration.ofNanos(System.nanoTime() - repairedAt);
                    }
                } catch (java.io.IOException e) {
                    // not answering yet: part of the recovery
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            return null;
        });
        return new RecoveryWatch(recovered);
    }

    /** The recovery time; empty when it did not recover within the watch's limit or within {@code timeout}. */
    public Optional<Duration> await(Duration timeout) throws InterruptedException {
        try {
            return Optional.ofNullable(recovered.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
