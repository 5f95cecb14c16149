package io.mnemo.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes generated Avro records in the Confluent wire format: magic byte {@code 0x00}, the writer schema's
 * registry id as a 4-byte big-endian int, then the Avro binary encoding. The subject is chosen by
 * {@link SubjectNames#topicRecordName}. A {@code null} record is written as {@code null} (a tombstone).
 */
public final class ConfluentAvroSerializer implements Serializer<SpecificRecord> {

    private final SchemaRegistryClient registry;
    private final boolean autoRegister;
    private final Map<TopicSchema, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Class<?>, DatumWriter<SpecificRecord>> writers = new ConcurrentHashMap<>();

    private record TopicSchema(String topic, Schema schema) {
    }

    /**
     * @param autoRegister {@code true} registers unknown schemas (devstack, tests); {@code false} only looks
     *                     them up, so production services cannot publish a schema the build did not vet
     */
    public ConfluentAvroSerializer(SchemaRegistryClient registry, boolean autoRegister) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.autoRegister = autoRegister;
    }

    @Override
    public byte[] serialize(String topic, SpecificRecord record) {
        if (record == null) {
            return null;
        }
        Schema schema = record.getSchema();
        int id = schemaId(topic, schema);
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.write(ConfluentWireFormat.MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writers.computeIfAbsent(record.getClass(), c -> writerFor(c, schema)).write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            // Avro reports a missing required field as an NPE; name the record and topic instead
            throw new SerializationException("Could not encode " + schema.getFullName() + " for topic " + topic
                    + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /**
     * Writes with the generated class's own model (its logical-type conversions); the one-argument
     * constructor would look the class up by name, which Avro 1.12's class-trust check forbids by default.
     */
    private static DatumWriter<SpecificRecord> writerFor(Class<?> type, Schema schema) {
        return new SpecificDatumWriter<>(schema, SpecificData.getForClass(type));
    }

    /**
     * Resolves (registers, with auto-registration) the ids of these schemas for this topic now, so the first
     * records of each type need no registry round trip: a service that looks its ids up at start keeps writing
     * while the registry is slow or away (during a Kafka failover the registry's own log waits too).
     *
     * @throws SerializationException when the registry does not answer or does not know a schema
     */
    public void preload(String topic, java.util.Collection<Schema> schemas) {
        schemas.forEach(schema -> schemaId(topic, schema));
    }

    private int schemaId(String topic, Schema schema) {
        TopicSchema key = new TopicSchema(topic, schema);
        Integer cached = ids.get(key);
        if (cached != null) {
            return cached;
        }
        String subject = SubjectNames.topicRecordName(topic, schema);
        int id;
        try {
            if (autoRegister) {
                id = registry.register(subject, schema);
            } else {
                id = registry.lookup(subject, schema).orElseThrow(() -> new SerializationException(
                        "Schema " + schema.getFullName() + " is not registered under subject " + subject
                                + " and auto-registration is off: register this exact schema version first"));
            }
        } catch (SchemaRegistryException e) {
            throw new SerializationException("Could not get a schema id for subject " + subject + ": " + e.getMessage(), e);
        }
        ids.put(key, id);
        return id;
    }
}
