package io.mnemo.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.events.MemoryCaptured;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class MnemoSerdesTest {
    private static final String TOPIC = Topics.MEMORY_EVENTS.name();
    private static final String SUBJECT = "mnemo.memory-events.v1-io.mnemo.schemas.events.MemoryCaptured";

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @Test
    void registersTheSchemaUnderTheTopicRecordSubjectWhenAutoRegistering() {
        Serde<SpecificRecord> serde = MnemoSerdes.specificAvro(registry, true);

        serde.serializer().serialize(TOPIC, ConfluentWireFormatTest.captured());

        assertThat(registry.subjects()).containsExactly(SUBJECT);
        assertThat(registry.versions(SUBJECT)).containsExactly(1);
    }

    @Test
    void failsClearlyWhenTheSchemaIsNotRegisteredAndAutoRegistrationIsOff() {
        Serde<SpecificRecord> serde = MnemoSerdes.specificAvro(registry, false);

        assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, ConfluentWireFormatTest.captured()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("not registered under subject " + SUBJECT);
        assertThat(registry.subjects()).isEmpty();
    }

    @Test
    void usesTheRegisteredIdWhenAutoRegistrationIsOff() {
        registry.register("some-other-subject", MemoryChanged.getClassSchema()); // takes id 1
        int id = registry.register(SUBJECT, MemoryCaptured.getClassSchema());
        Serde<SpecificRecord> serde = MnemoSerdes.specificAvro(registry, false);

        byte[] bytes = serde.serializer().serialize(TOPIC, ConfluentWireFormatTest.captured());

        assertThat(id).isEqualTo(2);
        assertThat(bytes[4]).isEqualTo((byte) 2);
        assertThat(serde.deserializer().deserialize(TOPIC, bytes)).isEqualTo(ConfluentWireFormatTest.captured());
    }

    @Test
    void typedSerdeRoundTripsItsOwnType() {
        Serde<MemoryCaptured> serde = MnemoSerdes.specificAvro(MemoryCaptured.class, registry, true);
        MemoryCaptured event = ConfluentWireFormatTest.captured();

        MemoryCaptured read = serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, event));

        assertThat(read).isEqualTo(event);
    }

    @Test
    void typedSerdeRejectsARecordOfAnotherType() {
        byte[] captured = MnemoSerdes.specificAvro(registry, true).serializer()
                .serialize(TOPIC, ConfluentWireFormatTest.captured());
        Serde<MemoryChanged> changes = MnemoSerdes.specificAvro(MemoryChanged.class, registry, true);

        assertThatThrownBy(() -> changes.deserializer().deserialize(TOPIC, captured))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Expected io.mnemo.schemas.changes.MemoryChanged");
    }

    @Test
    void namesTheRecordWhenARequiredFieldIsMissing() {
        MemoryCaptured incomplete = ConfluentWireFormatTest.captured();
        incomplete.setContent(null);

        assertThatThrownBy(() -> MnemoSerdes.specificAvro(registry, true).serializer().serialize(TOPIC, incomplete))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("io.mnemo.schemas.events.MemoryCaptured");
    }
}
