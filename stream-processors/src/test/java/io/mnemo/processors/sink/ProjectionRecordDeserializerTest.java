package io.mnemo.processors.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mnemo.processors.db.ActivityProjectionWriter;
import io.mnemo.processors.db.MediaProjectionWriter;
import io.mnemo.schemas.changes.EventSettled;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.changes.UserActivityDay;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.InMemorySchemaRegistryClient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jdbi.v3.core.Handle;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class ProjectionRecordDeserializerTest {
    private static final String TOPIC = "mnemo.memory-changes.v1";
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final ConfluentAvroSerializer serializer = new ConfluentAvroSerializer(registry, true);

    /** A writer that wants the content of the media projection's choice. */
    private static final ProjectionWriter<SpecificRecord> MEDIA_LIKE = new ProjectionWriter<>() {
        @Override
        public String projection() {
            return "media";
        }

        @Override
        public void write(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
        }

        @Override
        public boolean needsContent(String recordType, Headers headers) {
            return MediaProjectionWriter.mayTouchMedia(recordType, headers);
        }
    };

    private static MemoryChanged change(int partition, long offset) {
        return MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme").setUserId("alice")
                .setMemoryId(UUID.randomUUID()).setVersion(3).setKind(MemoryChangeKind.UPSERTED)
                .setState(MemoryState.newBuilder().setOccurredAt(Instant.parse("2026-03-14T15:09:26Z"))
                        .setRecordedAt(Instant.parse("2026-11-01T00:00:00Z")).setContent("a long walk by the river")
                        .setTags(List.of("walk", "river")).setAttributes(Map.of("mood", "calm"))
                        .setMediaIds(List.of()).setMedia(List.of()).build())
                .setSourcePartition(partition).setSourceOffset(offset).build();
    }

    private static Headers media(String flag) {
        RecordHeaders headers = new RecordHeaders();
        if (flag != null) {
            headers.add(MediaProjectionWriter.TOUCHES_MEDIA, flag.getBytes(StandardCharsets.US_ASCII));
        }
        return headers;
    }

    @Test
    void theActivityProjectionReadsOnlyTheSourcePositionOfAMemorysChange() {
        var deserializer = new ProjectionRecordDeserializer(registry, new ActivityProjectionWriter());
        byte[] bytes = serializer.serialize(TOPIC, change(7, 123_456_789_012L));

        assertThat(deserializer.deserialize(TOPIC, new RecordHeaders(), bytes))
                .isEqualTo(new EventSettled(7, 123_456_789_012L));
    }

    @Test
    void theActivityProjectionReadsItsOwnRecordsInFull() {
        var deserializer = new ProjectionRecordDeserializer(registry, new ActivityProjectionWriter());
        UserActivityDay day = UserActivityDay.newBuilder().setTenantId("acme").setUserId("alice")
                .setDay(LocalDate.parse("2026-03-14")).setMemories(2).setMediaBytes(0).setSourcePartition(1)
                .setSourceOffset(9).build();

        assertThat(deserializer.deserialize(TOPIC, new RecordHeaders(), serializer.serialize(TOPIC, day)))
                .isEqualTo(day);
    }

    @Test
    void theMediaProjectionSkipsOnlyChangesMarkedAsTouchingNoMedia() {
        var deserializer = new ProjectionRecordDeserializer(registry, MEDIA_LIKE);
        MemoryChanged change = change(2, 40);
        byte[] bytes = serializer.serialize(TOPIC, change);

        assertThat(deserializer.deserialize(TOPIC, media("0"), bytes)).isEqualTo(new EventSettled(2, 40L));
        assertThat(deserializer.deserialize(TOPIC, media("1"), bytes)).isEqualTo(change);
        // written before the header existed: read and checked as before
        assertThat(deserializer.deserialize(TOPIC, media(null), bytes)).isEqualTo(change);
    }

    @Test
    void aWriterThatNeedsEverythingReadsEverythingInFull() {
        ProjectionWriter<SpecificRecord> all = new ProjectionWriter<>() {
            @Override
            public String projection() {
                return "memories";
            }

            @Override
            public void write(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
            }
        };
        MemoryChanged change = change(0, 1);

        assertThat(new ProjectionRecordDeserializer(registry, all)
                .deserialize(TOPIC, media("0"), serializer.serialize(TOPIC, change))).isEqualTo(change);
    }

    @Test
    void bytesThatAreNotAvroFailAsTheFullReaderSaysEvenWhenTheContentIsNotNeeded() {
        var deserializer = new ProjectionRecordDeserializer(registry, new ActivityProjectionWriter());
        byte[] valid = serializer.serialize(TOPIC, change(0, 1));
        byte[] truncated = java.util.Arrays.copyOf(valid, 12);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new RecordHeaders(), truncated))
                .isInstanceOf(SerializationException.class).hasMessageContaining("Could not decode");
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new RecordHeaders(), new byte[] {1, 2, 3, 4, 5, 6}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic byte");
    }
}
