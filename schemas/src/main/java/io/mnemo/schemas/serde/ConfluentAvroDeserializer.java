package io.mnemo.schemas.serde;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the Confluent wire format into generated Avro classes. The writer schema comes from the registry by
 * the id in the payload; the reader is the generated class named like the writer record (its compiled
 * schema), so records written by any older compatible version resolve into today's class. Generated classes
 * are resolved by {@link GeneratedAvroTypes}, so no Avro class-trust system property is needed. A {@code null}
 * payload (tombstone) reads as {@code null}; anything else that is not valid wire format fails with a
 * {@link SerializationException} saying why.
 */
public final class ConfluentAvroDeserializer implements Deserializer<SpecificRecord> {
    private static final int HEADER_BYTES = ConfluentWireFormat.HEADER_BYTES;

    private final SchemaRegistryClient registry;
    private final Map<Integer, DatumReader<SpecificRecord>> readers = new ConcurrentHashMap<>();

    public ConfluentAvroDeserializer(SchemaRegistryClient registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public SpecificRecord deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < HEADER_BYTES) {
            throw new SerializationException("Record on topic " + topic + " is " + data.length
                    + " bytes, too short for the Confluent wire format (magic byte + 4-byte schema id + Avro)");
        }
        if (data[0] != ConfluentWireFormat.MAGIC_BYTE) {
            throw new SerializationException(String.format(
                    "Record on topic %s starts with 0x%02x, not the Confluent magic byte 0x00: not Confluent Avro",
                    topic, data[0] & 0xff));
        }
        int id = ConfluentWireFormat.schemaId(data);
        DatumReader<SpecificRecord> reader = reader(topic, id);
        try {
            return reader.read(null, ConfluentWireFormat.body(data));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Could not decode record on topic " + topic + " with writer schema id "
                    + id + ": " + e, e);
        }
    }

    private DatumReader<SpecificRecord> reader(String topic, int id) {
        DatumReader<SpecificRecord> cached = readers.get(id);
        if (cached != null) {
            return cached;
        }
        Schema writer;
        try {
            writer = registry.schemaById(id);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("Could not fetch writer schema id " + id + " for a record on topic "
                    + topic + ": " + e.getMessage(), e);
        }
        if (writer.getType() != Schema.Type.RECORD) {
            throw new SerializationException("Writer schema id " + id + " is a " + writer.getType()
                    + ", not a record; only generated record classes can be read");
        }
        ClassLoader loader = classLoader();
        Class<? extends SpecificRecord> type = GeneratedAvroTypes.recordClass(writer, loader).orElseThrow(() ->
                new SerializationException("No generated Avro class for record " + writer.getFullName()
                        + " (writer schema id " + id + ", topic " + topic + ") on the classpath"));
        Schema readerSchema = SpecificData.getForClass(type).getSchema(type);
        DatumReader<SpecificRecord> reader = new SpecificDatumReader<>(writer, readerSchema,
                GeneratedAvroTypes.forReader(type, loader));
        readers.putIfAbsent(id, reader);
        return reader;
    }

    private static ClassLoader classLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : ConfluentAvroDeserializer.class.getClassLoader();
    }
}
