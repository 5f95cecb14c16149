package io.mnemo.processors.topology;

import static io.mnemo.processors.topology.MemoryChangesTopologyTest.captured;
import static io.mnemo.processors.topology.MemoryChangesTopologyTest.forgotten;
import static io.mnemo.processors.topology.MemoryChangesTopologyTest.revised;
import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.events.DeadLetterAction;
import io.mnemo.schemas.events.DeadLetterResolved;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.events.MemoryRevised;
import io.mnemo.schemas.events.UserErased;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Once an event of a memory is dead-lettered, the memory's later events wait behind it, in order. */
class SequencedDeadLettersTest {
    private TopologyHarness harness;
    private TopologyTestDriver driver;
    private TestInputTopic<String, SpecificRecord> events;
    private TestOutputTopic<String, SpecificRecord> deadLetters;

    @BeforeEach
    void setUp() {
        harness = new TopologyHarness();
        driver = harness.driver;
        events = harness.events;
        deadLetters = harness.deadLetters;
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    private static DeadLetterResolved resolution(UUID memoryId, SpecificRecord deadLetter, DeadLetterAction action) {
        return DeadLetterResolved.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme").setUserId("alice")
                .setRecordedAt(Instant.parse("2026-11-05T00:00:00Z")).setMemoryId(memoryId)
                .setDeadLetterEventId(UUID.fromString(String.valueOf(deadLetter.get(0)))).setAction(action)
                .setOperator("ops@example.com").build();
    }


    private static String header(TestRecord<String, SpecificRecord> record, String name) {
        return DeadLetters.header(record.headers(), name);
    }

    private List<String> contents() {
        return harness.published().stream().filter(MemoryChanged.class::isInstance)
                .map(c -> ((MemoryChanged) c).getState() == null ? "<deleted>"
                        : ((MemoryChanged) c).getState().getContent())
                .toList();
    }

    @Test
    void laterEventsOfABlockedMemoryAreParkedNotAppliedOutOfOrder() {
        UUID memoryId = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        MemoryRevised early = revised(memoryId, "revision before its capture", null);
        events.pipeInput("acme/alice", early);
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), memoryId, "capture"));
        events.pipeInput("acme/alice", revised(memoryId, "later revision", null));
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), other, "another memory is not blocked"));

        assertThat(contents()).containsExactly("another memory is not blocked");
        List<TestRecord<String, SpecificRecord>> dead = deadLetters.readRecordsToList();
        assertThat(dead).hasSize(3);
        assertThat(header(dead.get(0), DeadLetters.ERROR_CLASS)).isEqualTo(DeadLetters.REJECTED);
        assertThat(header(dead.get(0), DeadLetters.BLOCKING)).isEqualTo("true");
        assertThat(header(dead.get(0), DeadLetters.EVENT_ID)).isEqualTo(early.getEventId().toString());
        assertThat(header(dead.get(0), DeadLetters.MEMORY)).isEqualTo("acme/alice/" + memoryId);
        for (TestRecord<String, SpecificRecord> parked : dead.subList(1, 3)) {
            assertThat(header(parked, DeadLetters.ERROR_CLASS)).isEqualTo(DeadLetters.PARKED);
            assertThat(header(parked, DeadLetters.PARKED_BEHIND)).isEqualTo(early.getEventId().toString());
        }
        assertThat(header(dead.get(1), DeadLetters.SOURCE_OFFSET)).isEqualTo("1");
        assertThat(header(dead.get(2), DeadLetters.SOURCE_OFFSET)).isEqualTo("2");
    }

    @Test
    void discardingTheBlockingEventAppliesTheParkedOnesInTheirOriginalOrderWithTheirOwnPositions() {
        UUID memoryId = UUID.randomUUID();
        MemoryRevised early = revised(memoryId, "revision before its capture", null);
        events.pipeInput("acme/alice", early);
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), memoryId, "capture"));
        events.pipeInput("acme/alice", revised(memoryId, "later revision", null));
        deadLetters.readRecordsToList();

        events.pipeInput("acme/alice", resolution(memoryId, early, DeadLetterAction.DISCARD));

        List<SpecificRecord> out = harness.published();
        assertThat(out).hasSize(2);
        MemoryChanged v1 = (MemoryChanged) out.get(0);
        MemoryChanged v2 = (MemoryChanged) out.get(1);
        assertThat(v1.getState().getContent()).isEqualTo("capture");
        assertThat(v1.getVersion()).isEqualTo(1);
        assertThat(v1.getSourceOffset()).isEqualTo(1);
        assertThat(v2.getState().getContent()).isEqualTo("later revision");
        assertThat(v2.getVersion()).isEqualTo(2);
        assertThat(v2.getSourceOffset()).isEqualTo(2);
        TestRecord<String, SpecificRecord> resolved = deadLetters.readRecord();
        assertThat(header(resolved, DeadLetters.ERROR_CLASS)).isEqualTo(DeadLetters.RESOLVED);
        assertThat(header(resolved, DeadLetters.RESOLVES)).isEqualTo(early.getEventId().toString());
        assertThat(header(resolved, DeadLetters.RESOLUTION)).isEqualTo("DISCARD");
        assertThat(deadLetters.isEmpty()).isTrue();

        // the memory is unblocked: new events apply directly
        events.pipeInput("acme/alice", revised(memoryId, "after release", null));
        assertThat(contents()).containsExactly("after release");
    }

    @Test
    void retryingTheBlockingEventAppliesItFirstOnceItsCauseIsFixed() {
        UUID memoryId = UUID.randomUUID();
        // the cause: the memory's media was never staged; the producer uploads it afterwards
        MemoryCaptured withMedia = MemoryCaptured.newBuilder(captured(UUID.randomUUID(), memoryId, "photo"))
                .setMediaIds(List.of("m-late")).build();
        events.pipeInput("acme/alice", withMedia);
        events.pipeInput("acme/alice", revised(memoryId, "photo, captioned", null));
        assertThat(header(deadLetters.readRecord(), DeadLetters.REASON)).contains("m-late was never staged");
        events.pipeInput("acme/alice", MediaTopologyTest.staged("m-late", 1234));

        events.pipeInput("acme/alice", resolution(memoryId, withMedia, DeadLetterAction.RETRY));

        assertThat(contents()).containsExactly("photo", "photo, captioned");
    }

    @Test
    void aReleasedEventThatFailsAgainBlocksTheRestOnceMore() {
        UUID memoryId = UUID.randomUUID();
        MemoryRevised early = revised(memoryId, "too early", null);
        MemoryRevised stillEarly = revised(memoryId, "also too early", null);
        events.pipeInput("acme/alice", early);
        events.pipeInput("acme/alice", stillEarly);
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), memoryId, "capture"));
        deadLetters.readRecordsToList();

        events.pipeInput("acme/alice", resolution(memoryId, early, DeadLetterAction.DISCARD));

        assertThat(contents()).isEmpty();
        List<TestRecord<String, SpecificRecord>> dead = deadLetters.readRecordsToList();
        assertThat(dead).extracting(r -> header(r, DeadLetters.ERROR_CLASS))
                .containsExactly(DeadLetters.RESOLVED, DeadLetters.REJECTED, DeadLetters.PARKED);
        assertThat(header(dead.get(1), DeadLetters.EVENT_ID)).isEqualTo(stillEarly.getEventId().toString());
        assertThat(header(dead.get(2), DeadLetters.PARKED_BEHIND)).isEqualTo(stillEarly.getEventId().toString());

        events.pipeInput("acme/alice", resolution(memoryId, stillEarly, DeadLetterAction.DISCARD));
        assertThat(contents()).containsExactly("capture");
    }

    @Test
    void aDecisionOnADeadLetterThatBlocksNothingChangesNothing() {
        UUID memoryId = UUID.randomUUID();
        MemoryRevised early = revised(memoryId, "too early", null);
        events.pipeInput("acme/alice", early);
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), memoryId, "capture"));
        DeadLetterResolved discard = resolution(memoryId, early, DeadLetterAction.DISCARD);
        events.pipeInput("acme/alice", discard);
        assertThat(contents()).containsExactly("capture");
        deadLetters.readRecordsToList();

        // the same decision again (a retried command), and a retry of a memory that is not blocked
        events.pipeInput("acme/alice", resolution(memoryId, early, DeadLetterAction.DISCARD));
        events.pipeInput("acme/alice", resolution(memoryId, early, DeadLetterAction.RETRY));

        assertThat(harness.published().isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void rejectionsThatAreNotAboutAMemorysHistoryBlockNothing() {
        UUID eventId = UUID.randomUUID();
        UUID memoryId = UUID.randomUUID();
        events.pipeInput("acme/alice", captured(eventId, memoryId, "original"));
        events.pipeInput("acme/alice", captured(eventId, memoryId, "same event id, other content"));
        events.pipeInput("acme/alice", revised(memoryId, "revised", null));

        assertThat(contents()).containsExactly("original", "revised");
        assertThat(deadLetters.readRecord().headers().lastHeader(DeadLetters.BLOCKING)).isNull();
    }

    @Test
    void erasingAUserDropsItsParkedEvents() {
        UUID memoryId = UUID.randomUUID();
        events.pipeInput("acme/alice", revised(memoryId, "too early", null));
        events.pipeInput("acme/alice", forgotten(memoryId));
        events.pipeInput("acme/alice", UserErased.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme")
                .setUserId("alice").setRecordedAt(Instant.parse("2026-11-04T00:00:00Z")).build());

        assertThat(harness.entries(MemoryChangesTopology.PARKED_EVENTS_STORE)).isZero();
        assertThat(harness.entries(MemoryChangesTopology.BLOCKED_MEMORIES_STORE)).isZero();
        assertThat(harness.published()).noneMatch(c -> c instanceof MemoryChanged m
                && m.getKind() == MemoryChangeKind.UPSERTED);
    }

}
