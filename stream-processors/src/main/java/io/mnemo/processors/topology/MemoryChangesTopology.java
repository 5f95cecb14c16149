package io.mnemo.processors.topology;

import io.mnemo.schemas.Topics;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * {@code memory-events → memory-changes (+ dead-letters)}: applies every event of a memory in log order against
 * the memory's last state. Duplicates (same event id, same payload) are dropped; an event id reused with another
 * payload, a revision or forget of an unknown or forgotten memory, and any event of an erased user go to the
 * dead-letter topic with their reason and source position. Every processor, store and sink is named, so a
 * topology change never silently resets state.
 */
public final class MemoryChangesTopology {
    /**
     * Kafka Streams application id; also names the consumer group and the internal topics. Versioned: a topology
     * whose stores change gets a new id, so it rebuilds its state by replaying the event log from offset 0
     * (the event log is kept forever; the sink's version guards make the re-emitted changes no-ops).
     */
    public static final String APPLICATION_ID = "mnemo-memory-changes-v2";
    /** Event id → "processing-time millis:payload fingerprint"; bounded by the dedupe retention. */
    public static final String EVENT_FINGERPRINTS_STORE = "event-fingerprints";
    /** {@code tenant/user/memoryId} → the memory's last change (its version, whether it is forgotten, its state). */
    public static final String MEMORY_STATES_STORE = "memory-states";
    /** {@code tenant/user} → epoch millis of the erasure. */
    public static final String ERASED_USERS_STORE = "erased-users";

    static final String SOURCE = "memory-events";
    static final String PROCESSOR = "apply-memory-event";
    static final String CHANGES_SINK = "memory-changes";
    static final String DEAD_LETTERS_SINK = "dead-letters";

    private MemoryChangesTopology() {
    }

    public static Topology build(Serde<SpecificRecord> avro, Duration dedupeRetention) {
        Topology topology = new Topology();
        topology.addSource(SOURCE, Serdes.String().deserializer(), avro.deserializer(), Topics.MEMORY_EVENTS.name());
        topology.addProcessor(PROCESSOR, () -> new MemoryEventProcessor(dedupeRetention), SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(EVENT_FINGERPRINTS_STORE),
                Serdes.String(), Serdes.String()), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MEMORY_STATES_STORE),
                Serdes.String(), avro), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ERASED_USERS_STORE),
                Serdes.String(), Serdes.Long()), PROCESSOR);
        topology.addSink(CHANGES_SINK, Topics.MEMORY_CHANGES.name(), Serdes.String().serializer(), avro.serializer(),
                PROCESSOR);
        topology.addSink(DEAD_LETTERS_SINK, Topics.DEAD_LETTERS.name(), Serdes.String().serializer(),
                avro.serializer(), PROCESSOR);
        return topology;
    }
}
