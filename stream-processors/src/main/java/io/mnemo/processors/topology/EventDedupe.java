package io.mnemo.processors.topology;

import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Event ids seen within the idempotency window, with a fingerprint of their payload. Backed by a window store
 * whose retention is the window: Kafka Streams drops whole expired segments as stream time moves on, so nothing
 * ever scans the store to purge it. Time is the events' own log time (record timestamps), so a replay of the log
 * from offset 0 decides exactly as the live run did.
 */
final class EventDedupe {
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
    private final Duration window;

    EventDedupe(WindowStore<String, String> seen, Duration window) {
        this.seen = seen;
        this.window = window;
    }

    /** Records the event id (when it is new) and says whether it was seen before within the window. */
    Verdict check(String eventId, String fingerprint, long timestamp) {
        Instant from = Instant.ofEpochMilli(Math.max(0, timestamp - window.toMillis()));
        try (WindowStoreIterator<String> earlier = seen.backwardFetch(eventId, from, Instant.ofEpochMilli(timestamp))) {
            if (earlier.hasNext()) {
                return earlier.next().value.equals(fingerprint) ? Verdict.RETRY : Verdict.CONFLICT;
            }
        }
        seen.put(eventId, fingerprint, timestamp);
        return Verdict.FIRST;
    }
}
