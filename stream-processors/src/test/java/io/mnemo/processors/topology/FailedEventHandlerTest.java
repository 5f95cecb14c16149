package io.mnemo.processors.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

class FailedEventHandlerTest {
    /** Throws on the value "boom", as a processor with a bug would; passes everything else on. */
    private static final class Fragile implements Processor<String, String, String, String> {
        private ProcessorContext<String, String> context;

        @Override
        public void init(ProcessorContext<String, String> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, String> record) {
            if (record.value().equals("boom")) {
                throw new IllegalStateException("cannot handle " + record.value());
            }
            context.forward(record);
        }
    }

    @Test
    void anEventWhoseProcessingThrowsIsDeadLetteredWithItsBytesAndReasonAndTheNextOneIsProcessed() {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
        topology.addProcessor("fragile", Fragile::new, "in");
        topology.addSink("out", "out", Serdes.String().serializer(), Serdes.String().serializer(), "fragile");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "failed-event-handler-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, FailedEventHandler.class.getName());
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            var in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            var out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            var dead = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new StringDeserializer(),
                    new ByteArrayDeserializer());

            in.pipeInput("k", "boom");
            in.pipeInput("k", "fine");

            assertThat(out.readValuesToList()).containsExactly("fine");
            var letter = dead.readRecord();
            assertThat(letter.key()).isEqualTo("k");
            assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("boom");
            assertThat(header(letter.headers(), DeadLetters.REASON)).isEqualTo("cannot handle boom");
            assertThat(header(letter.headers(), DeadLetters.ERROR_CLASS)).isEqualTo(
                    IllegalStateException.class.getName());
            assertThat(header(letter.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo("0");
        }
    }

    @Test
    void anEventWhoseOutputCannotBeSerialisedWhileTheRegistryIsDownIsNotDeadLetteredButFailsTheThread() {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
        topology.addProcessor("registry-down", () -> new Processor<String, String, String, String>() {
            @Override
            public void process(Record<String, String> record) {
                throw new org.apache.kafka.common.errors.SerializationException("Could not get a schema id",
                        new io.mnemo.schemas.serde.SchemaRegistryException(
                                io.mnemo.schemas.serde.SchemaRegistryException.NO_RESPONSE,
                                io.mnemo.schemas.serde.SchemaRegistryException.NO_ERROR_CODE, "request timed out"));
            }
        }, "in");
        topology.addSink("out", "out", Serdes.String().serializer(), Serdes.String().serializer(), "registry-down");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "failed-event-handler-transient-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, FailedEventHandler.class.getName());
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            var in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            var dead = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new StringDeserializer(),
                    new ByteArrayDeserializer());

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> in.pipeInput("k", "accepted memory"))
                    .isInstanceOf(org.apache.kafka.streams.errors.StreamsException.class);
            assertThat(dead.isEmpty()).as("an accepted memory is never dead-lettered for an outage").isTrue();
        }
    }

    @Test
    void aSchemaRegistryThatDoesNotAnswerFailsTheThreadToRetryInsteadOfDeadLetteringTheEvent() {
        var timeout = new org.apache.kafka.common.errors.SerializationException("Could not get a schema id",
                new io.mnemo.schemas.serde.SchemaRegistryException(
                        io.mnemo.schemas.serde.SchemaRegistryException.NO_RESPONSE,
                        io.mnemo.schemas.serde.SchemaRegistryException.NO_ERROR_CODE, "request timed out"));
        var serverError = new io.mnemo.schemas.serde.SchemaRegistryException(503,
                io.mnemo.schemas.serde.SchemaRegistryException.NO_ERROR_CODE, "unavailable");
        var incompatible = new org.apache.kafka.common.errors.SerializationException("incompatible",
                new io.mnemo.schemas.serde.SchemaRegistryException(409, 409, "incompatible schema"));

        assertThat(FailedEventHandler.isTransient(timeout)).isTrue();
        assertThat(FailedEventHandler.isTransient(serverError)).isTrue();
        assertThat(FailedEventHandler.isTransient(new org.apache.kafka.common.errors.TimeoutException("t"))).isTrue();
        assertThat(FailedEventHandler.isTransient(incompatible)).as("the event's own schema problem").isFalse();
        assertThat(FailedEventHandler.isTransient(new IllegalStateException("a bug"))).isFalse();
    }

    private static String header(org.apache.kafka.common.header.Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
