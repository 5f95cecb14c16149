package io.mnemo.processors.topology;

import java.time.Duration;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Event ids seen within the idempotency window, with a fingerprint of their payload. Backed by a window store
 * whose retention is the window (plus one bucket): Kafka Streams drops whole expired segments as stream time moves
 * on, so nothing ever scans the store to purge it. Time is the events' own log time (record timestamps), so a
 * replay of the log from offset 0 decides exactly as the live run did.
 *
 * <p>An id is stored at the start of its time bucket (the window in {@value #BUCKETS} parts), so a check is a few
 * point lookups, one per bucket that can hold it, newest first. A range fetch over the window opened a RocksDB
 * iterator per segment for every event, and was the stream thread's largest cost (docs/performance.md).
 */
final class EventDedupe {
    /**
     * The window in this many buckets: a check is at most {@code BUCKETS + 2} point lookups, and ids are kept one
     * bucket longer than the window. Three: 5 lookups and a third more ids on disk (seven took 9 lookups, 42 % of
     * the stream thread at 4k events/s).
     */
    static final int BUCKETS = 3;

    /** What an event id means at this point of the log. */
    enum Verdict {
        /** Not seen within the window: apply it. */
        FIRST,
        /** Seen with the same payload: a retry or a redelivery, drop it. */
        RETRY,
        /** Seen with another payload: an Idempotency-Key reused for other content; the first write wins. */
        CONFLICT
    }

    private final WindowStore<String, String> seen;
    private final long windowMillis;
    private final long bucketMillis;

    EventDedupe(WindowStore<String, String> seen, Duration window) {
        this.seen = seen;
        this.windowMillis = window.toMillis();
        this.bucketMillis = bucketOf(window).toMillis();
    }

    /** The bucket length of a window; the store keeps ids one bucket longer than the window. */
    static Duration bucketOf(Duration window) {
        return Duration.ofMillis(Math.max(1, window.toMillis() / BUCKETS));
    }

    /**
     * Records the event id (when it is new) and says whether it was seen before within the window. The bucket after
     * the event's own is looked at too: an instance whose clock runs ahead may have stamped an earlier record of the
     * partition with a later time.
     */
    Verdict check(String eventId, String fingerprint, long timestamp) {
        long own = bucketStart(timestamp);
        long oldest = bucketStart(Math.max(0, timestamp - windowMillis));
        for (long bucket = own + bucketMillis; bucket >= oldest; bucket -= bucketMillis) {
            String earlier = seen.fetch(eventId, bucket);
            if (earlier != null) {
                return earlier.equals(fingerprint) ? Verdict.RETRY : Verdict.CONFLICT;
            }
        }
        seen.put(eventId, fingerprint, own);
        return Verdict.FIRST;
    }

    private long bucketStart(long timestamp) {
        return timestamp - timestamp % bucketMillis;
    }
}
