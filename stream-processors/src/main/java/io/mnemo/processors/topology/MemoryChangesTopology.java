package io.mnemo.processors.topology;

import io.mnemo.kit.tracing.Tracing;
import io.mnemo.schemas.Topics;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * {@code memory-events → memory-changes + user-activity (+ dead-letters)}: applies every event of a memory in log order against
 * the memory's last state. Duplicates (same event id and payload within the idempotency window; a capture of a
 * memory that exists; forgetting a forgotten memory) are dropped; an event id reused with another
 * payload, a revision or forget of an unknown or forgotten memory, and any event of an erased user go to the
 * dead-letter topic with their reason and source position; later events of a memory whose event was rejected
 * are parked behind it until an operator retries or discards it. Also publishes each user's daily activity
 * totals to {@code user-activity}. Every processor, store and sink is named, so a topology change never
 * silently resets state.
 */
public final class MemoryChangesTopology {
    /**
     * Kafka Streams application id; also names the consumer group and the internal topics. Versioned: a topology
     * whose stores change gets a new id, so it rebuilds its state by replaying the event log from offset 0
     * (the event log is kept forever; the sink's version guards make the re-emitted changes no-ops).
     */
    public static final String APPLICATION_ID = "mnemo-memory-changes-v5";
    /**
     * Event id → payload fingerprint, a window store whose retention is the idempotency window (v5: ids stored at
     * the start of their time bucket and found by point lookups; v4 stored them at their own time and range-fetched
     * the window; v3 kept a key-value store purged by a periodic full scan on the stream thread).
     */
    public static final String EVENT_IDS_STORE = "event-ids";
    /** {@code tenant/user/memoryId} → the memory's last change (its version, whether it is forgotten, its state). */
    public static final String MEMORY_STATES_STORE = "memory-states";
    /** {@code tenant/user} → epoch millis of the erasure. */
    public static final String ERASED_USERS_STORE = "erased-users";
    /** {@code tenant/user/mediaId} → the media's {@code MediaStaged} event (size, hash, staging key). */
    public static final String STAGED_MEDIA_STORE = "staged-media";
    /** {@code tenant/user/memoryId} → "offset:eventId" of the dead letter that blocks the memory. */
    public static final String BLOCKED_MEMORIES_STORE = "blocked-memories";
    /** {@code tenant/user/memoryId/offset} → the blocking event and the events parked behind it, in log order. */
    public static final String PARKED_EVENTS_STORE = "parked-events";
    /** {@code tenant/user/yyyy-MM-dd} → the day's activity totals. */
    public static final String ACTIVITY_DAYS_STORE = "activity-days";

    static final String SOURCE = "memory-events";
    static final String PROCESSOR = "apply-memory-event";
    static final String CHANGES_SINK = "memory-changes";
    static final String DEAD_LETTERS_SINK = "dead-letters";
    static final String ACTIVITY_SINK = "user-activity";

    private MemoryChangesTopology() {
    }

    public static Topology build(Serde<SpecificRecord> avro, Duration idempotencyWindow) {
        return build(avro, idempotencyWindow, Tracing.off());
    }

    /** With a span per event ({@code mnemo.fold}) continuing the event's {@code traceparent} when tracing is on. */
    public static Topology build(Serde<SpecificRecord> avro, Duration idempotencyWindow, Tracing tracing) {
        Topology topology = new Topology();
        topology.addSource(SOURCE, Serdes.String().deserializer(), avro.deserializer(), Topics.MEMORY_EVENTS.name());
        topology.addProcessor(PROCESSOR, () -> new MemoryEventProcessor(idempotencyWindow, tracing), SOURCE);
        topology.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(EVENT_IDS_STORE,
                idempotencyWindow.plus(EventDedupe.bucketOf(idempotencyWindow)), EventDedupe.bucketOf(idempotencyWindow),
                false), Serdes.String(), Serdes.String()), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MEMORY_STATES_STORE),
                Serdes.String(), avro), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ERASED_USERS_STORE),
                Serdes.String(), Serdes.Long()), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STAGED_MEDIA_STORE),
                Serdes.String(), avro), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BLOCKED_MEMORIES_STORE),
                Serdes.String(), Serdes.String()), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PARKED_EVENTS_STORE),
                Serdes.String(), avro), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ACTIVITY_DAYS_STORE),
                Serdes.String(), avro), PROCESSOR);
        topology.addSink(CHANGES_SINK, Topics.MEMORY_CHANGES.name(), Serdes.String().serializer(), avro.serializer(),
                PROCESSOR);
        topology.addSink(DEAD_LETTERS_SINK, Topics.DEAD_LETTERS.name(), Serdes.String().serializer(),
                avro.serializer(), PROCESSOR);
        topology.addSink(ACTIVITY_SINK, Topics.USER_ACTIVITY.name(), Serdes.String().serializer(), avro.serializer(),
                PROCESSOR);
        return topology;
    }
}
