package io.mnemo.processors.sink;

import io.mnemo.schemas.changes.EventSettled;
import io.mnemo.schemas.serde.ConfluentAvroDeserializer;
import io.mnemo.schemas.serde.ConfluentWireFormat;
import io.mnemo.schemas.serde.SchemaRegistryClient;
import io.mnemo.schemas.serde.SchemaRegistryException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the records of memory-changes for one {@linkplain ProjectionWriter projection writer}: in full when the
 * writer {@linkplain ProjectionWriter#needsContent needs their content}, else only their source position, as an
 * {@link EventSettled} (what such a record is to that projection: its position is settled, nothing to write).
 * Avro then skips the other fields without building them: most of the topic is memories' content, which the
 * activity projection never needs and the media projection only for the few memories with media.
 *
 * <p>Anything this reader cannot place (no registry answer, no position fields, undecodable bytes) is read in
 * full, so the full reader's checks and errors (and so the sink's dead-lettering) stay exactly as they were.
 */
public final class ProjectionRecordDeserializer implements Deserializer<SpecificRecord> {
    private static final String PARTITION = "sourcePartition";
    private static final String OFFSET = "sourceOffset";

    /** A writer schema: its record's full name and a reader of its position alone (null when it has none). */
    private record WriterType(String name, DatumReader<GenericRecord> position) {
    }

    private final ConfluentAvroDeserializer full;
    private final SchemaRegistryClient registry;
    private final ProjectionWriter<SpecificRecord> writer;
    private final Map<Integer, WriterType> types = new ConcurrentHashMap<>();

    public ProjectionRecordDeserializer(SchemaRegistryClient registry, ProjectionWriter<SpecificRecord> writer) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.full = new ConfluentAvroDeserializer(registry);
    }

    @Override
    public SpecificRecord deserialize(String topic, byte[] data) {
        return full.deserialize(topic, data);
    }

    @Override
    public SpecificRecord deserialize(String topic, Headers headers, byte[] data) {
        if (!ConfluentWireFormat.isFramed(data)) {
            return full.deserialize(topic, data);
        }
        WriterType type = type(ConfluentWireFormat.schemaId(data));
        if (type == null || type.position() == null || writer.needsContent(type.name(), headers)) {
            return full.deserialize(topic, data);
        }
        try {
            BinaryDecoder decoder = ConfluentWireFormat.body(data);
            GenericRecord position = type.position().read(null, decoder);
            // every byte accounted for, as a full read would: damaged bytes never pass as a position
            if (decoder.isEnd()) {
                return new EventSettled((Integer) position.get(0), (Long) position.get(1));
            }
        } catch (IOException | RuntimeException e) {
            // the full read below names what is wrong
        }
        return full.deserialize(topic, data);
    }

    private WriterType type(int id) {
        WriterType known = types.get(id);
        if (known != null) {
            return known;
        }
        Schema schema;
        try {
            schema = registry.schemaById(id);
        } catch (SchemaRegistryException e) {
            return null; // the full read fails with the registry's reason
        }
        if (schema.getType() != Schema.Type.RECORD) {
            return null;
        }
        WriterType type = new WriterType(schema.getFullName(), positionReader(schema));
        types.putIfAbsent(id, type);
        return type;
    }

    /** Resolves the writer's record against one of the same name holding only its position fields. */
    static DatumReader<GenericRecord> positionReader(Schema writerSchema) {
        Schema.Field partition = writerSchema.getField(PARTITION);
        Schema.Field offset = writerSchema.getField(OFFSET);
        if (partition == null || offset == null || partition.schema().getType() != Schema.Type.INT
                || offset.schema().getType() != Schema.Type.LONG) {
            return null;
        }
        Schema reader = Schema.createRecord(writerSchema.getName(), null, writerSchema.getNamespace(), false,
                List.of(new Schema.Field(PARTITION, Schema.create(Schema.Type.INT)),
                        new Schema.Field(OFFSET, Schema.create(Schema.Type.LONG))));
        return new GenericDatumReader<>(writerSchema, reader);
    }
}
