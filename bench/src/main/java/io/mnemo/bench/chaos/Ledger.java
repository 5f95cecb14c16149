package io.mnemo.bench.chaos;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;

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
    private final Map<String, LongAdder> connectionFailuresByKind = new ConcurrentHashMap<>();
    private final LongAdder retriesWithoutRetryAfter = new LongAdder();
    private final AtomicLong gaveUp = new AtomicLong();
    private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
    /** Round trips of the requests answered 2xx, in microseconds (1 µs to 10 min, 3 digits). */
    private final ConcurrentHistogram acceptedLatency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);

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

    /**
     * Why a request was not answered 2xx, as the answer said (its status and problem detail): kept per distinct
     * reason, at most {@value #MAX_REASONS} of them, so a run's report names what failed.
     */
    public void refused(int status, String detail) {
        String reason = status + " " + (detail == null ? "" : detail);
        if (refusals.size() < MAX_REASONS || refusals.containsKey(reason)) {
            refusals.computeIfAbsent(reason, r -> new LongAdder()).increment();
        }
    }

    private static final int MAX_REASONS = 50;

    /** The round trip of one request answered 2xx (send to answer, one attempt). */
    public void acceptedIn(long nanos) {
        acceptedLatency.recordValue(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMicros(nanos),
                acceptedLatency.getHighestTrackableValue())));
    }

    /** The round trip of the 2xx answers at this percentile (0–100). */
    public java.time.Duration acceptedLatencyAt(double percentile) {
        return java.time.Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(
                acceptedLatency.getValueAtPercentile(percentile)));
    }

    public long acceptedLatencyCount() {
        return acceptedLatency.getTotalCount();
    }

    /** Non-2xx answers by status and problem detail. */
    public Map<String, Long> refusalsByReason() {
        Map<String, Long> byReason = new TreeMap<>();
        refusals.forEach((reason, count) -> byReason.put(reason, count.sum()));
        return byReason;
    }

    /** A 429 or 503 that came without Retry-After, which the API promises. */
    public void answeredWithoutRetryAfter() {
        retriesWithoutRetryAfter.increment();
    }

    /** A request that got no HTTP answer; {@code cause} (the client's exception) says how, e.g. a timeout. */
    public void connectionFailed(Throwable cause) {
        connectionFailures.increment();
        Throwable root = cause;
        while (root != null && root.getCause() != null && root.getCause() != root
                && (root instanceof java.util.concurrent.CompletionException
                || root instanceof java.util.concurrent.ExecutionException)) {
            root = root.getCause();
        }
        connectionFailuresByKind.computeIfAbsent(root == null ? "unknown" : root.getClass().getSimpleName(),
                kind -> new LongAdder()).increment();
    }

    /** Connection failures by the client's exception (HttpConnectTimeoutException, ConnectException, ...). */
    public Map<String, Long> connectionFailuresByKind() {
        Map<String, Long> byKind = new TreeMap<>();
        connectionFailuresByKind.forEach((kind, count) -> byKind.put(kind, count.sum()));
        return byKind;
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
