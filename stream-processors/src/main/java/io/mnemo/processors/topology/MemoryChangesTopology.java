package io.mnemo.processors.topology;

import io.mnemo.schemas.Topics;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * {@code memory-events → memory-changes}: drops events whose id was already seen (a producer retry, a
 * redelivery) and emits the canonical state of the memory with its version and source position.
 */
public final class MemoryChangesTopology {
    /** Kafka Streams application id; also names the consumer group and the internal topics. */
    public static final String APPLICATION_ID = "mnemo-memory-changes";
    /** Event id → epoch millis first seen. Named so a topology change never silently resets it. */
    public static final String SEEN_EVENTS_STORE = "seen-event-ids";

    private MemoryChangesTopology() {
    }

    public static Topology build(Serde<SpecificRecord> avro, Duration dedupeRetention) {
        StreamsBuilder builder = new StreamsBuilder();
        StoreBuilder<KeyValueStore<String, Long>> seenEvents = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(SEEN_EVENTS_STORE), Serdes.String(), Serdes.Long());
        builder.addStateStore(seenEvents);

        builder.stream(Topics.MEMORY_EVENTS.name(), Consumed.with(Serdes.String(), avro).withName("memory-events"))
                .process(() -> new MemoryEventProcessor(dedupeRetention), Named.as("apply-memory-event"),
                        SEEN_EVENTS_STORE)
                .to(Topics.MEMORY_CHANGES.name(), Produced.with(Serdes.String(), avro).withName("memory-changes"));
        return builder.build();
    }
}
