package io.mnemo.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.events.MemoryCaptured;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ConfluentWireFormatTest {
    private static final String TOPIC = Topics.MEMORY_EVENTS.name();
    /** Every byte differs, so a wrong byte order cannot pass. */
    private static final int ODD_ID = 0x0A0B0C0D;

    private static final UUID EVENT_ID = UUID.fromString("1b4e28ba-2fa1-11d2-883f-0016d3cca427");
    private static final UUID MEMORY_ID = UUID.fromString("6fa459ea-ee8a-3ca4-894e-db77e160355e");
    private static final Instant RECORDED_AT = Instant.parse("2026-03-01T10:15:30.123456Z");
    private static final Instant OCCURRED_AT = Instant.parse("2026-02-28T21:00:00.000001Z");

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final ConfluentAvroSerializer serializer = new ConfluentAvroSerializer(registry, true);
    private final ConfluentAvroDeserializer deserializer = new ConfluentAvroDeserializer(registry);

    @Test
    void writesMagicByteBigEndianSchemaIdAndAvroBinaryByteForByte() throws IOException {
        ConfluentAvroSerializer withOddId = new ConfluentAvroSerializer(new FixedIdRegistry(ODD_ID), true);

        byte[] actual = withOddId.serialize(TOPIC, captured());

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(new byte[] {0x00, 0x0A, 0x0B, 0x0C, 0x0D});
        // the Avro body encoded field by field, independently of any DatumWriter
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(expected, null);
        e.writeString(EVENT_ID.toString());          // uuid logical type: its string form
        e.writeString("tenant-1");
        e.writeString("user-1");
        e.writeLong(ChronoUnit.MICROS.between(Instant.EPOCH, RECORDED_AT)); // timestamp-micros
        e.writeString(MEMORY_ID.toString());
        e.writeLong(ChronoUnit.MICROS.between(Instant.EPOCH, OCCURRED_AT));
        e.writeString("First day at the lake");
        e.writeArrayStart();                          // tags
        e.setItemCount(2);
        e.startItem();
        e.writeString("family");
        e.startItem();
        e.writeString("summer");
        e.writeArrayEnd();
        e.writeMapStart();                            // attributes
        e.setItemCount(1);
        e.startItem();
        e.writeString("mood");
        e.writeString("calm");
        e.writeMapEnd();
        e.writeArrayStart();                          // mediaIds: empty
        e.setItemCount(0);
        e.writeArrayEnd();
        e.writeIndex(1);                              // idempotencyKey: ["null", "string"] branch 1
        e.writeString("key-1");
        e.writeIndex(0);                              // sealedContent, sealedTags, sealedAttributes: null
        e.writeIndex(0);
        e.writeIndex(0);
        e.flush();

        assertThat(actual).containsExactly(expected.toByteArray());
    }

    @Test
    void startsWithTheMagicByteAndTheIdTheRegistryAssigned() {
        byte[] bytes = serializer.serialize(TOPIC, captured());

        int id = registry.lookup(SubjectNames.topicRecordName(TOPIC, MemoryCaptured.getClassSchema()),
                MemoryCaptured.getClassSchema()).orElseThrow();
        assertThat(bytes[0]).isEqualTo((byte) 0);
        assertThat(Arrays.copyOfRange(bytes, 1, 5)).containsExactly(0, 0, 0, id);
    }

    @Test
    void roundTripsMemoryCaptured() {
        MemoryCaptured event = captured();

        assertThat(deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, event))).isEqualTo(event);
    }

    @Test
    void roundTripsMemoryCapturedWithoutOptionalValues() {
        MemoryCaptured event = MemoryCaptured.newBuilder(captured()).setIdempotencyKey(null)
                .setTags(List.of()).setAttributes(Map.of()).build();

        assertThat(deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, event))).isEqualTo(event);
    }

    @Test
    void roundTripsMemoryChangedWithState() {
        MemoryChanged change = changed(MemoryChangeKind.UPSERTED, new MemoryState(OCCURRED_AT, RECORDED_AT,
                "First day at the lake", List.of("family"), Map.of("mood", "calm"), List.of("m-1"),
                List.of(new io.mnemo.schemas.changes.MediaRef("m-1", "ab".repeat(32), 42L, "image/png",
                        "staging/t/u/m-1/0001")), null, null, null));
        String topic = Topics.MEMORY_CHANGES.name();

        assertThat(deserializer.deserialize(topic, serializer.serialize(topic, change))).isEqualTo(change);
    }

    @Test
    void roundTripsMemoryChangedWithoutStateWhenDeleted() {
        MemoryChanged change = changed(MemoryChangeKind.DELETED, null);
        String topic = Topics.MEMORY_CHANGES.name();

        SpecificRecord read = deserializer.deserialize(topic, serializer.serialize(topic, change));

        assertThat(read).isEqualTo(change);
        assertThat(((MemoryChanged) read).getState()).isNull();
    }

    @Test
    void readsARecordWrittenWithAnOlderSchemaIntoTheCurrentClassWithDefaults() throws IOException {
        // an imagined v0 of MemoryCaptured without the fields added later, all of which have defaults
        Schema older = new Schema.Parser().parse("""
                {"type": "record", "name": "MemoryCaptured", "namespace": "io.mnemo.schemas.events", "fields": [
                  {"name": "eventId", "type": {"type": "string", "logicalType": "uuid"}},
                  {"name": "tenantId", "type": "string"},
                  {"name": "userId", "type": "string"},
                  {"name": "recordedAt", "type": {"type": "long", "logicalType": "timestamp-micros"}},
                  {"name": "memoryId", "type": {"type": "string", "logicalType": "uuid"}},
                  {"name": "occurredAt", "type": {"type": "long", "logicalType": "timestamp-micros"}},
                  {"name": "content", "type": "string"}]}""");
        int id = registry.register("old-subject", older);
        GenericRecord old = new GenericData.Record(older);
        old.put("eventId", EVENT_ID.toString());
        old.put("tenantId", "tenant-1");
        old.put("userId", "user-1");
        old.put("recordedAt", 1L);
        old.put("memoryId", MEMORY_ID.toString());
        old.put("occurredAt", 2L);
        old.put("content", "old");

        MemoryCaptured read = (MemoryCaptured) deserializer.deserialize(TOPIC, wire(id, older, old));

        assertThat(read.getEventId()).isEqualTo(EVENT_ID);
        assertThat(read.getOccurredAt()).isEqualTo(Instant.EPOCH.plus(2, ChronoUnit.MICROS));
        assertThat(read.getTags()).isEmpty();
        assertThat(read.getAttributes()).isEmpty();
        assertThat(read.getMediaIds()).isEmpty();
        assertThat(read.getIdempotencyKey()).isNull();
    }

    @Test
    void writesAndReadsNullAsATombstone() {
        assertThat(serializer.serialize(TOPIC, null)).isNull();
        assertThat(deserializer.deserialize(TOPIC, null)).isNull();
    }

    @Test
    void rejectsEmptyAndShortInput() {
        for (byte[] input : List.of(new byte[0], new byte[] {0}, new byte[] {0, 0, 0, 1})) {
            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, input))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("too short");
        }
    }

    @Test
    void rejectsAWrongMagicByte() {
        byte[] bytes = serializer.serialize(TOPIC, captured());
        bytes[0] = 1;

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("magic byte");
    }

    @Test
    void rejectsPlainTextAndJson() {
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, "{\"tenantId\":\"t\"}".getBytes()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("0x7b");
    }

    @Test
    void rejectsAnUnknownSchemaId() {
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[] {0, 0, 0, 0x7f, 0x7f, 2, 'x'}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("schema id " + 0x7f7f);
    }

    @Test
    void rejectsATruncatedBody() {
        byte[] bytes = serializer.serialize(TOPIC, captured());

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, Arrays.copyOf(bytes, bytes.length - 10)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Could not decode");
    }

    @Test
    void rejectsRandomGarbageAfterAValidHeaderWithASerializationExceptionOnly() {
        byte[] header = Arrays.copyOf(serializer.serialize(TOPIC, captured()), 5);
        Random random = new Random(42);
        for (int i = 0; i < 500; i++) {
            byte[] garbage = new byte[5 + random.nextInt(64)];
            random.nextBytes(garbage);
            System.arraycopy(header, 0, garbage, 0, 5);
            try {
                deserializer.deserialize(TOPIC, garbage);
            } catch (RuntimeException e) {
                // decoding garbage may by chance succeed; failing any other way than this would not be fine
                assertThat(e).as("garbage %s", Arrays.toString(garbage)).isInstanceOf(SerializationException.class);
            }
        }
    }

    @Test
    void rejectsARecordWithoutAGeneratedClass() throws IOException {
        Schema unknown = SchemaBuilder.record("NoSuchEvent").namespace("io.mnemo.schemas.events").fields()
                .requiredString("x").endRecord();
        int id = registry.register("unknown", unknown);
        GenericRecord record = new GenericData.Record(unknown);
        record.put("x", "y");

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, wire(id, unknown, record)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("No generated Avro class for record io.mnemo.schemas.events.NoSuchEvent");
    }

    static MemoryCaptured captured() {
        return MemoryCaptured.newBuilder()
                .setEventId(EVENT_ID)
                .setTenantId("tenant-1")
                .setUserId("user-1")
                .setRecordedAt(RECORDED_AT)
                .setMemoryId(MEMORY_ID)
                .setOccurredAt(OCCURRED_AT)
                .setContent("First day at the lake")
                .setTags(List.of("family", "summer"))
                .setAttributes(Map.of("mood", "calm"))
                .setMediaIds(List.of())
                .setIdempotencyKey("key-1")
                .build();
    }

    private static MemoryChanged changed(MemoryChangeKind kind, MemoryState state) {
        return MemoryChanged.newBuilder()
                .setEventId(EVENT_ID)
                .setTenantId("tenant-1")
                .setUserId("user-1")
                .setMemoryId(MEMORY_ID)
                .setVersion(3L)
                .setKind(kind)
                .setState(state)
                .setSourcePartition(7)
                .setSourceOffset(123_456_789_012L)
                .build();
    }

    /** Confluent wire format written by hand with Avro's generic writer, independent of the serializer. */
    private static byte[] wire(int id, Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /** A registry that hands out one fixed id, to pin the id's byte order in the payload. */
    private static final class FixedIdRegistry implements SchemaRegistryClient {
        private final int id;

        FixedIdRegistry(int id) {
            this.id = id;
        }

        @Override
        public int register(String subject, Schema schema) {
            return id;
        }

        @Override
        public OptionalInt lookup(String subject, Schema schema) {
            return OptionalInt.of(id);
        }

        @Override
        public Schema schemaById(int id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> subjects() {
            return List.of();
        }

        @Override
        public List<Integer> versions(String subject) {
            return List.of();
        }

        @Override
        public String compatibility(String subjectOrNullForGlobal) {
            return "NONE";
        }

        @Override
        public void setCompatibility(String subjectOrNullForGlobal, String level) {
        }

        @Override
        public boolean isCompatible(String subject, Schema schema) {
            return true;
        }
    }

    @Test
    void preloadedSchemaIdsLetTheFirstRecordBeWrittenWhileTheRegistryIsAway() {
        boolean[] away = {false};
        SchemaRegistryClient flaky = (SchemaRegistryClient) java.lang.reflect.Proxy.newProxyInstance(
                SchemaRegistryClient.class.getClassLoader(), new Class<?>[] {SchemaRegistryClient.class},
                (proxy, method, args) -> {
                    if (away[0]) {
                        throw new SchemaRegistryException(0, 0, "registry request timed out");
                    }
                    try {
                        return method.invoke(registry, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        ConfluentAvroSerializer preloaded = new ConfluentAvroSerializer(flaky, true);
        ConfluentAvroSerializer cold = new ConfluentAvroSerializer(flaky, true);
        preloaded.preload(TOPIC, List.of(MemoryCaptured.getClassSchema()));
        away[0] = true;

        assertThat(preloaded.serialize(TOPIC, captured())).isNotEmpty();
        assertThatThrownBy(() -> cold.serialize(TOPIC, captured())).isInstanceOf(SerializationException.class)
                .hasMessageContaining("timed out");
    }
}
