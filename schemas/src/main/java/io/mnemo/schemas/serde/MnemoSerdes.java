package io.mnemo.schemas.serde;

import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serdes for Mnemo's Avro events in the Confluent wire format, for producers, consumers and Streams. */
public final class MnemoSerdes {
    private MnemoSerdes() {
    }

    /** A serde for any generated record, e.g. a topic carrying several event types. */
    public static Serde<SpecificRecord> specificAvro(SchemaRegistryClient registry, boolean autoRegister) {
        return Serdes.serdeFrom(new ConfluentAvroSerializer(registry, autoRegister), new ConfluentAvroDeserializer(registry));
    }

    /**
     * A serde for one generated record type; reading a record of another type fails with a
     * {@link SerializationException} rather than a {@link ClassCastException} somewhere downstream.
     */
    public static <T extends SpecificRecord> Serde<T> specificAvro(Class<T> type, SchemaRegistryClient registry,
                                                                  boolean autoRegister) {
        Objects.requireNonNull(type, "type");
        ConfluentAvroSerializer serializer = new ConfluentAvroSerializer(registry, autoRegister);
        ConfluentAvroDeserializer deserializer = new ConfluentAvroDeserializer(registry);
        Serializer<T> typedSerializer = serializer::serialize;
        Deserializer<T> typedDeserializer = (topic, data) -> {
            SpecificRecord record = deserializer.deserialize(topic, data);
            if (record != null && !type.isInstance(record)) {
                throw new SerializationException("Expected " + type.getName() + " on topic " + topic + " but read "
                        + record.getClass().getName());
            }
            return type.cast(record);
        };
        return Serdes.serdeFrom(typedSerializer, typedDeserializer);
    }
}
