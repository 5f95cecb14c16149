package io.mnemo.processors.topology;

import io.mnemo.kit.tracing.Tracing;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.EventSettled;
import io.mnemo.schemas.changes.UserActivityDay;
import io.mnemo.schemas.serde.InMemorySchemaRegistryClient;
import io.mnemo.schemas.serde.MnemoSerdes;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** The memory-changes topology on a TopologyTestDriver, with its input and output topics. */
final class TopologyHarness implements AutoCloseable {
    final Serde<SpecificRecord> avro = MnemoSerdes.specificAvro(new InMemorySchemaRegistryClient(), true);
    final TopologyTestDriver driver;
    final TestInputTopic<String, SpecificRecord> events;
    final TestOutputTopic<String, SpecificRecord> changes;
    final TestOutputTopic<String, SpecificRecord> activity;
    final TestOutputTopic<String, SpecificRecord> deadLetters;

    TopologyHarness(Properties extra) {
        this(extra, Tracing.off());
    }

    TopologyHarness(Properties extra, Tracing tracing) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, MemoryChangesTopology.APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.putAll(extra);
        driver = new TopologyTestDriver(MemoryChangesTopology.build(avro, Duration.ofDays(7), tracing), props);
        events = driver.createInputTopic(Topics.MEMORY_EVENTS.name(), new StringSerializer(), avro.serializer());
        changes = driver.createOutputTopic(Topics.MEMORY_CHANGES.name(), new StringDeserializer(), avro.deserializer());
        activity = driver.createOutputTopic(Topics.USER_ACTIVITY.name(), new StringDeserializer(), avro.deserializer());
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new StringDeserializer(),
                avro.deserializer());
    }

    TopologyHarness() {
        this(new Properties());
    }

    /**
     * What was published to memory-changes about memories (changes and erasures), without the EventSettled
     * watermark markers and the activity totals that also travel there.
     */
    List<SpecificRecord> published() {
        return changes.readValuesToList().stream()
                .filter(r -> !(r instanceof EventSettled) && !(r instanceof UserActivityDay)).toList();
    }

    /** Entries of a store (counted by iterating: RocksDB's estimate is not exact after deletes). */
    long entries(String store) {
        long count = 0;
        try (var all = driver.getKeyValueStore(store).all()) {
            while (all.hasNext()) {
                all.next();
                count++;
            }
        }
        return count;
    }

    @Override
    public void close() {
        driver.close();
    }
}
