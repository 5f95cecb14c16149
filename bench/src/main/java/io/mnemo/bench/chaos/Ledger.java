package io.mnemo.bench.chaos;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What producers were told, request by request: every memory answered 2xx (its idempotency key, user, content and
 * the memory id the answer gave), every other answer by status, every connection failure. At the end of a chaos
 * run it is compared with what the platform shows ({@link LedgerCheck}).
 */
public final class Ledger {
    /** A memory answered 2xx. Its content is unique in the run (it carries the key), so a double is visible. */
    public record Accepted(String key, String userId, String memoryId, String content) {
    }

    private final Map<String, Accepted> accepted = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> answers = new ConcurrentHashMap<>();
    private final LongAdder connectionFailures = new LongAdder();
    private final LongAdder retriesWithoutRetryAfter = new LongAdder();
    private final AtomicLong gaveUp = new AtomicLong();

    /**
     * Records a 2xx for a memory; a second 2xx for the same key must name the same memory (the idempotency
     * promise), else the run has a double that the check reports.
     */
    public void accepted(String key, String userId, String memoryId, String content) {
        Accepted previous = accepted.putIfAbsent(key, new Accepted(key, userId, memoryId, content));
        if (previous != null && !previous.memoryId().equals(memoryId)) {
            conflictingIds.incrementAndGet();
        }
    }

    private final AtomicLong conflictingIds = new AtomicLong();

    /** One HTTP answer (per request; a batch's items are counted as accepted one by one). */
    public void answered(int status) {
        answers.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    /** A 429 or 503 that came without Retry-After, which the API promises. */
    public void answeredWithoutRetryAfter() {
        retriesWithoutRetryAfter.increment();
    }

    public void connectionFailed() {
        connectionFailures.increment();
    }

    /** A memory its producer stopped retrying (deadline passed): not acknowledged, so not owed. */
    public void gaveUp() {
        gaveUp.incrementAndGet();
    }

    /**
     * The memories accepted so far, as a ledger of their own: what must be visible once the platform has recovered
     * from a fault repaired now, while the load goes on adding to this ledger.
     */
    public Ledger snapshot() {
        Ledger snapshot = new Ledger();
        snapshot.accepted.putAll(accepted);
        return snapshot;
    }

    public Map<String, Accepted> accepted() {
        return Map.copyOf(accepted);
    }

    public Map<Integer, Long> answersByStatus() {
        Map<Integer, Long> byStatus = new TreeMap<>();
        answers.forEach((status, count) -> byStatus.put(status, count.sum()));
        return byStatus;
    }

    public long connectionFailures() {
        return connectionFailures.sum();
    }

    public long missingRetryAfterCount() {
        return retriesWithoutRetryAfter.sum();
    }

    public long gaveUpCount() {
        return gaveUp.get();
    }

    /** Keys answered 2xx twice with two different memory ids. */
    public long conflictingIds() {
        return conflictingIds.get();
    }

    /** Answers that were not 2xx (per request). */
    public long errors() {
        return answersByStatus().entrySet().stream().filter(e -> e.getKey() / 100 != 2)
                .mapToLong(Map.Entry::getValue).sum();
    }

    public long requests() {
        return answersByStatus().values().stream().mapToLong(Long::longValue).sum() + connectionFailures();
    }
}
