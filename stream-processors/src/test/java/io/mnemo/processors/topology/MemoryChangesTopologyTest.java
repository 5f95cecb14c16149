package io.mnemo.processors.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.EventSettled;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.UserActivityDay;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.events.MemoryForgotten;
import io.mnemo.schemas.events.MemoryRevised;
import io.mnemo.schemas.events.UserErased;
import io.mnemo.schemas.serde.SchemaRegistryException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MemoryChangesTopologyTest {
    private TopologyHarness harness;
    private Serde<SpecificRecord> avro;
    private TopologyTestDriver driver;
    private TestInputTopic<String, SpecificRecord> events;
    private TestOutputTopic<String, SpecificRecord> changes;

    @BeforeEach
    void setUp() {
        Properties handler = new Properties();
        handler.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, UnreadableEventHandler.class.getName());
        harness = new TopologyHarness(handler);
        avro = harness.avro;
        driver = harness.driver;
        events = harness.events;
        changes = harness.changes;
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    static MemoryCaptured captured(UUID eventId, UUID memoryId, String content) {
        return MemoryCaptured.newBuilder().setEventId(eventId).setTenantId("acme").setUserId("alice")
                .setRecordedAt(Instant.parse("2026-11-01T10:00:00Z")).setMemoryId(memoryId)
                .setOccurredAt(Instant.parse("2026-10-31T09:00:00Z")).setContent(content)
                .setTags(List.of("a")).setAttributes(Map.of("k", "v")).setMediaIds(List.of()).build();
    }

    @Test
    void emitsTheCanonicalStateOfACapturedMemoryWithVersionOneAndSourcePosition() {
        UUID memoryId = UUID.randomUUID();
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), memoryId, "hello"));

        var out = changes.readKeyValue();
        assertThat(out.key).isEqualTo("acme/alice");
        MemoryChanged change = (MemoryChanged) out.value;
        assertThat(change.getMemoryId()).isEqualTo(memoryId);
        assertThat(change.getVersion()).isEqualTo(1L);
        assertThat(change.getKind()).isEqualTo(MemoryChangeKind.UPSERTED);
        assertThat(change.getState().getContent()).isEqualTo("hello");
        assertThat(change.getState().getTags()).containsExactly("a");
        assertThat(change.getSourcePartition()).isZero();
        assertThat(change.getSourceOffset()).isZero();
    }

    @Test
    void anEventThatChangesNoMemorySettlesItsPositionSoReadYourWritesCanPassIt() {
        UUID eventId = UUID.randomUUID();
        events.pipeInput("acme/alice", captured(eventId, UUID.randomUUID(), "hello"));
        events.pipeInput("acme/alice", captured(eventId, UUID.randomUUID(), "hello"));
        events.pipeInput("acme/alice", revised(UUID.randomUUID(), "unknown memory", null));

        var out = changes.readRecordsToList();
        assertThat(out).hasSize(4);
        assertThat(out.get(0).value()).isInstanceOf(MemoryChanged.class);
        assertThat(out.get(1).value()).isInstanceOf(UserActivityDay.class);
        assertThat(out.subList(2, 4)).allSatisfy(r -> assertThat(r.value()).isInstanceOf(EventSettled.class));
        assertThat(((EventSettled) out.get(2).value()).getSourceOffset()).isEqualTo(1);
        assertThat(((EventSettled) out.get(3).value()).getSourceOffset()).isEqualTo(2);
    }

    @Test
    void everyRecordOfAnEventButTheLastIsMarkedOpenAndTheLastIsAtTheEventsPosition() {
        UUID memoryId = UUID.randomUUID();
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), memoryId, "hello"));
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), UUID.randomUUID(), "another"));
        events.pipeInput("acme/alice", UserErased.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme")
                .setUserId("alice").setRecordedAt(Instant.parse("2026-11-02T00:00:00Z")).build());

        var out = changes.readRecordsToList();
        // capture: change + its day's totals; capture: change + totals; erasure: 2 deletions + 1 day
        // total (both memories share the day) + the erasure + a settlement at its position.
        assertThat(out).extracting(r -> r.value().getClass().getSimpleName()).containsExactly(
                "MemoryChanged", "UserActivityDay", "MemoryChanged", "UserActivityDay",
                "MemoryChanged", "UserActivityDay", "MemoryChanged", "UserActivityDay", "UserErased", "EventSettled");
        List<Boolean> open = out.stream()
                .map(r -> r.headers().lastHeader(MemoryEventProcessor.POSITION_OPEN) != null).toList();
        assertThat(open).containsExactly(true, false, true, false, true, true, true, true, true, false);
        assertThat(((EventSettled) out.get(9).value()).getSourceOffset()).isEqualTo(2);
    }

    @Test
    void aCaptureRetriedAfterTheIdempotencyWindowChangesNothingAndBlocksNothing() {
        UUID memoryId = UUID.randomUUID();
        Instant start = Instant.parse("2026-11-01T00:00:00Z");
        MemoryCaptured capture = captured(UUID.randomUUID(), memoryId, "first");
        events.pipeInput("acme/alice", capture, start);
        events.pipeInput("acme/alice", revised(memoryId, "edited", null), start.plus(Duration.ofHours(1)));
        // The client retries its capture (same Idempotency-Key, so same ids) long after the window.
        events.pipeInput("acme/alice", capture, start.plus(Duration.ofDays(30)));
        events.pipeInput("acme/alice", revised(memoryId, "edited later", null), start.plus(Duration.ofDays(30)));

        assertThat(harness.published()).extracting(r -> ((MemoryChanged) r).getVersion()).containsExactly(1L, 2L, 3L);
        assertThat(harness.deadLetters.readValuesToList()).isEmpty();
    }

    @Test
    void forgettingAForgottenMemoryIsANoOp() {
        UUID memoryId = UUID.randomUUID();
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), memoryId, "x"));
        events.pipeInput("acme/alice", forgotten(memoryId));
        events.pipeInput("acme/alice", forgotten(memoryId));

        assertThat(harness.published()).extracting(r -> ((MemoryChanged) r).getKind())
                .containsExactly(MemoryChangeKind.UPSERTED, MemoryChangeKind.DELETED);
        assertThat(harness.deadLetters.readValuesToList()).isEmpty();
    }

    @Test
    void anEventOfATypeTheProcessorDoesNotHandleIsDeadLetteredAndTheStreamGoesOn() {
        // A record with the event envelope (id, tenant, user) but of no type the processor applies.
        MemoryChanged notAnEvent = MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme")
                .setUserId("alice").setMemoryId(UUID.randomUUID()).setVersion(1).setKind(MemoryChangeKind.DELETED)
                .setSourcePartition(0).setSourceOffset(0).build();
        events.pipeInput("acme/alice", notAnEvent);
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), UUID.randomUUID(), "after it"));

        var dead = harness.deadLetters.readRecordsToList();
        assertThat(dead).singleElement().satisfies(r -> assertThat(
                new String(r.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8))
                .contains("unsupported event type io.mnemo.schemas.changes.MemoryChanged"));
        assertThat(harness.published()).singleElement().satisfies(r ->
                assertThat(((MemoryChanged) r).getState().getContent()).isEqualTo("after it"));
    }

    @Test
    void dropsAnEventWhoseIdWasAlreadySeen() {
        UUID eventId = UUID.randomUUID();
        UUID memoryId = UUID.randomUUID();
        events.pipeInput("acme/alice", captured(eventId, memoryId, "hello"));
        events.pipeInput("acme/alice", captured(eventId, memoryId, "hello"));
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), UUID.randomUUID(), "other"));

        List<SpecificRecord> out = harness.published();
        assertThat(out).hasSize(2);
        assertThat(((MemoryChanged) out.get(1)).getSourceOffset()).isEqualTo(2L);
    }

    @Test
    void deadLettersUndeserializableBytesWithTheirSourcePositionAndCarriesOn() {
        TestInputTopic<String, byte[]> raw = driver.createInputTopic(Topics.MEMORY_EVENTS.name(),
                new StringSerializer(), new ByteArraySerializer());
        TestOutputTopic<byte[], byte[]> deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        byte[] garbage = {7, 7, 7};
        raw.pipeInput("acme/alice", garbage);
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), UUID.randomUUID(), "after the poison"));

        TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
        assertThat(dead.value()).isEqualTo(garbage);
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("acme/alice");
        assertThat(header(dead, DeadLetters.SOURCE_TOPIC)).isEqualTo(Topics.MEMORY_EVENTS.name());
        assertThat(header(dead, DeadLetters.SOURCE_PARTITION)).isEqualTo("0");
        assertThat(header(dead, DeadLetters.SOURCE_OFFSET)).isEqualTo("0");
        assertThat(header(dead, DeadLetters.ERROR_CLASS)).endsWith("SerializationException");
        assertThat(header(dead, DeadLetters.REASON)).isNotBlank();
        assertThat(header(dead, DeadLetters.TIME)).isNotBlank();
        assertThat(((MemoryChanged) harness.published().get(0)).getState().getContent()).isEqualTo("after the poison");
    }

    @Test
    void treatsAnUnreachableRegistryAsTransientNeverAsPoison() {
        var unreachable = new SerializationException("cannot fetch schema",
                new SchemaRegistryException(0, -1, "connection refused"));
        var serverError = new SerializationException("x", new SchemaRegistryException(503, 50003, "busy"));
        var unknownId = new SerializationException("x", new SchemaRegistryException(404, 40403, "no such schema"));

        assertThat(UnreadableEventHandler.isTransient(unreachable)).isTrue();
        assertThat(UnreadableEventHandler.isTransient(serverError)).isTrue();
        assertThat(UnreadableEventHandler.isTransient(unknownId)).isFalse();
        assertThat(UnreadableEventHandler.isTransient(new SerializationException("bad magic byte"))).isFalse();
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void dropsARetryWithinTheIdempotencyWindowAndForgetsTheEventIdAfterIt() {
        UUID memoryId = UUID.randomUUID();
        Instant start = Instant.parse("2026-11-01T00:00:00Z");
        MemoryRevised revision = revised(memoryId, "edited", Instant.parse("2026-10-31T10:00:00Z"));
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), memoryId, "x"), start);
        events.pipeInput("acme/alice", revision, start.plus(Duration.ofHours(1)));
        events.pipeInput("acme/alice", revised(memoryId, "edited again", Instant.parse("2026-10-31T10:00:00Z")),
                start.plus(Duration.ofHours(2)));
        // Retried 6 days later (log time): still within the window, dropped.
        events.pipeInput("acme/alice", revision, start.plus(Duration.ofDays(6)));
        assertThat(harness.published()).hasSize(3);

        // Past the window and the one bucket an id may outlive it, the id is forgotten: the same revision applies again.
        Duration window = Duration.ofDays(7);
        events.pipeInput("acme/alice", revision,
                start.plus(window).plus(EventDedupe.bucketOf(window)).plus(Duration.ofHours(1)));
        assertThat(harness.published()).singleElement().satisfies(change ->
                assertThat(((MemoryChanged) change).getVersion()).isEqualTo(4));
    }

    private TestOutputTopic<String, SpecificRecord> deadLetterTopic() {
        return driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new StringDeserializer(), avro.deserializer());
    }

    static MemoryRevised revised(UUID memoryId, String content, Instant occurredAt) {
        return MemoryRevised.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme").setUserId("alice")
                .setRecordedAt(Instant.parse("2026-11-02T10:00:00Z")).setMemoryId(memoryId).setContent(content)
                .setOccurredAt(occurredAt).build();
    }

    static MemoryForgotten forgotten(UUID memoryId) {
        return MemoryForgotten.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme").setUserId("alice")
                .setRecordedAt(Instant.parse("2026-11-03T10:00:00Z")).setMemoryId(memoryId).build();
    }

    @Test
    void aRevisionReplacesOnlyTheGivenFieldsAndIncreasesTheVersion() {
        UUID memoryId = UUID.randomUUID();
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), memoryId, "first"));
        events.pipeInput("acme/alice", revised(memoryId, "second", null));
        events.pipeInput("acme/alice", revised(memoryId, null, Instant.parse("2020-01-01T00:00:00Z")));

        List<SpecificRecord> out = harness.published();
        MemoryChanged v2 = (MemoryChanged) out.get(1);
        MemoryChanged v3 = (MemoryChanged) out.get(2);
        assertThat(v2.getVersion()).isEqualTo(2);
        assertThat(v2.getState().getContent()).isEqualTo("second");
        assertThat(v2.getState().getTags()).containsExactly("a");
        assertThat(v3.getVersion()).isEqualTo(3);
        assertThat(v3.getState().getContent()).isEqualTo("second");
        assertThat(v3.getState().getOccurredAt()).isEqualTo(Instant.parse("2020-01-01T00:00:00Z"));
    }

    @Test
    void forgettingEmitsADeletionAndLaterRevisionsOrForgetsAreDeadLettered() {
        UUID memoryId = UUID.randomUUID();
        TestOutputTopic<String, SpecificRecord> deadLetters = deadLetterTopic();
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), memoryId, "first"));
        events.pipeInput("acme/alice", forgotten(memoryId));
        events.pipeInput("acme/alice", revised(memoryId, "too late", null));
        events.pipeInput("acme/alice", forgotten(memoryId));

        List<SpecificRecord> out = harness.published();
        assertThat(out).hasSize(2);
        assertThat(((MemoryChanged) out.get(1)).getKind()).isEqualTo(MemoryChangeKind.DELETED);
        assertThat(((MemoryChanged) out.get(1)).getVersion()).isEqualTo(2);
        List<TestRecord<String, SpecificRecord>> dead = deadLetters.readRecordsToList();
        assertThat(dead).hasSize(2);
        assertThat(dead.get(0).value()).isInstanceOf(MemoryRevised.class);
        assertThat(new String(dead.get(0).headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8))
                .contains("was forgotten");
        assertThat(new String(dead.get(0).headers().lastHeader(DeadLetters.SOURCE_OFFSET).value(),
                StandardCharsets.UTF_8)).isEqualTo("2");
    }

    @Test
    void revisingAnUnknownMemoryIsDeadLettered() {
        TestOutputTopic<String, SpecificRecord> deadLetters = deadLetterTopic();
        events.pipeInput("acme/alice", revised(UUID.randomUUID(), "ghost", null));

        assertThat(harness.published().isEmpty()).isTrue();
        assertThat(new String(deadLetters.readRecord().headers().lastHeader(DeadLetters.REASON).value(),
                StandardCharsets.UTF_8)).contains("does not exist");
    }

    @Test
    void erasingAUserDeletesEveryLiveMemoryOnceAndBarsLaterEvents() {
        TestOutputTopic<String, SpecificRecord> deadLetters = deadLetterTopic();
        UUID kept = UUID.randomUUID();
        UUID forgottenBefore = UUID.randomUUID();
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), kept, "one"));
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), forgottenBefore, "two"));
        events.pipeInput("acme/bob", MemoryCaptured.newBuilder(captured(UUID.randomUUID(), UUID.randomUUID(), "bob's"))
                .setUserId("bob").build());
        events.pipeInput("acme/alice", forgotten(forgottenBefore));
        harness.published();

        events.pipeInput("acme/alice", UserErased.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme")
                .setUserId("alice").setRecordedAt(Instant.parse("2026-11-04T00:00:00Z")).build());
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), UUID.randomUUID(), "after erasure"));

        List<SpecificRecord> out = harness.published();
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).satisfies(change -> {
            assertThat(((MemoryChanged) change).getMemoryId()).isEqualTo(kept);
            assertThat(((MemoryChanged) change).getKind()).isEqualTo(MemoryChangeKind.DELETED);
        });
        // then the erasure itself, for sinks that keep more of the user than memories
        assertThat(out.get(1)).isInstanceOf(UserErased.class);
        assertThat(new String(deadLetters.readRecord().headers().lastHeader(DeadLetters.REASON).value(),
                StandardCharsets.UTF_8)).contains("was erased");
    }

    @Test
    void anEventIdReusedWithAnotherPayloadIsDeadLetteredAndTheFirstWriteWins() {
        TestOutputTopic<String, SpecificRecord> deadLetters = deadLetterTopic();
        UUID eventId = UUID.randomUUID();
        UUID memoryId = UUID.randomUUID();
        events.pipeInput("acme/alice", captured(eventId, memoryId, "original"));
        // a producer retry: same event, new recordedAt, attributes in another order -> a plain duplicate
        events.pipeInput("acme/alice", MemoryCaptured.newBuilder(captured(eventId, memoryId, "original"))
                .setRecordedAt(Instant.parse("2026-11-01T10:00:05Z")).build());
        events.pipeInput("acme/alice", captured(eventId, memoryId, "different content, same key"));

        assertThat(harness.published()).hasSize(1);
        TestRecord<String, SpecificRecord> dead = deadLetters.readRecord();
        assertThat(((MemoryCaptured) dead.value()).getContent()).isEqualTo("different content, same key");
        assertThat(new String(dead.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8))
                .contains("first write wins");
        assertThat(deadLetters.isEmpty()).isTrue();
    }

}
