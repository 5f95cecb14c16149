package io.mnemo.processors.topology;

import static io.mnemo.processors.topology.MemoryChangesTopologyTest.captured;
import static io.mnemo.processors.topology.MemoryChangesTopologyTest.forgotten;
import static io.mnemo.processors.topology.MemoryChangesTopologyTest.revised;
import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.processors.db.MediaProjectionWriter;
import io.mnemo.schemas.changes.MediaRef;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.UserActivityDay;
import io.mnemo.schemas.events.MediaStaged;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.events.MemoryRevised;
import io.mnemo.schemas.events.UserErased;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Staged media in memory changes, and the per user per day activity totals. */
class MediaTopologyTest {
    private TopologyHarness harness;
    private TopologyTestDriver driver;
    private TestInputTopic<String, SpecificRecord> events;
    private TestOutputTopic<String, SpecificRecord> activity;
    private TestOutputTopic<String, SpecificRecord> deadLetters;

    @BeforeEach
    void setUp() {
        harness = new TopologyHarness();
        driver = harness.driver;
        events = harness.events;
        activity = harness.activity;
        deadLetters = harness.deadLetters;
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    static MediaStaged staged(String mediaId, long size) {
        return MediaStaged.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme").setUserId("alice")
                .setRecordedAt(Instant.parse("2026-11-01T09:00:00Z")).setMediaId(mediaId)
                .setSha256(Integer.toHexString(mediaId.hashCode()).repeat(8).substring(0, 8).repeat(8))
                .setSize(size).setContentType("image/png").setBucket("media")
                .setStagingKey("staging/acme/alice/" + mediaId + "/00000000000000a1").build();
    }

    private static MemoryCaptured withMedia(UUID memoryId, String occurredAt, String... mediaIds) {
        return MemoryCaptured.newBuilder(captured(UUID.randomUUID(), memoryId, "with media"))
                .setOccurredAt(Instant.parse(occurredAt)).setMediaIds(List.of(mediaIds)).build();
    }

    /** Latest activity value per key, as "memories/mediaBytes". */
    private Map<String, String> latestActivity() {
        return activity.readKeyValuesToList().stream().collect(Collectors.toMap(kv -> kv.key,
                kv -> ((UserActivityDay) kv.value).getMemories() + "/" + ((UserActivityDay) kv.value).getMediaBytes(),
                (a, b) -> b));
    }

    @Test
    void everyChangeSaysWhetherItsMemoryHasMediaBeforeOrAfterIt() {
        events.pipeInput("acme/alice", staged("m-1", 2048));
        UUID plain = UUID.randomUUID();
        UUID pictured = UUID.randomUUID();
        Instant occurredAt = Instant.parse("2026-10-31T09:00:00Z");
        events.pipeInput("acme/alice", captured(UUID.randomUUID(), plain, "no media"));
        events.pipeInput("acme/alice", withMedia(pictured, "2026-10-31T09:00:00Z", "m-1"));
        events.pipeInput("acme/alice", MemoryRevised.newBuilder(revised(pictured, "text only", occurredAt))
                .setMediaIds(List.of()).build());
        events.pipeInput("acme/alice", revised(pictured, "still text only", occurredAt));
        events.pipeInput("acme/alice", withMedia(UUID.randomUUID(), "2026-10-30T09:00:00Z", "m-1"));
        events.pipeInput("acme/alice", forgotten(plain));

        List<String> touchesMedia = harness.changes.readRecordsToList().stream()
                .filter(record -> record.value() instanceof MemoryChanged)
                .map(record -> new String(record.headers().lastHeader(MediaProjectionWriter.TOUCHES_MEDIA).value(),
                        java.nio.charset.StandardCharsets.US_ASCII))
                .toList();
        // captured without; captured with; media removed (had it before); revised without (none before or after);
        // another with; the plain one forgotten
        assertThat(touchesMedia).containsExactly("0", "1", "1", "0", "1", "0");
    }

    @Test
    void erasingAUserMarksTheDeletionOfEachMemoryWithMediaAsTouchingMedia() {
        events.pipeInput("acme/alice", staged("m-1", 2048));
        events.pipeInput("acme/alice", withMedia(UUID.randomUUID(), "2026-10-31T09:00:00Z", "m-1"));
        harness.changes.readRecordsToList();
        events.pipeInput("acme/alice", UserErased.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme")
                .setUserId("alice").setRecordedAt(Instant.parse("2026-11-05T10:00:00Z")).build());

        assertThat(harness.changes.readRecordsToList().stream()
                .filter(record -> record.value() instanceof MemoryChanged)
                .map(record -> new String(record.headers().lastHeader(MediaProjectionWriter.TOUCHES_MEDIA).value(),
                        java.nio.charset.StandardCharsets.US_ASCII)))
                .containsExactly("1");
    }

    @Test
    void aChangeCarriesWhatWasStagedForEachReferencedMedia() {
        MediaStaged photo = staged("m-1", 2048);
        events.pipeInput("acme/alice", photo);
        events.pipeInput("acme/alice", withMedia(UUID.randomUUID(), "2026-10-31T09:00:00Z", "m-1"));

        MemoryChanged change = (MemoryChanged) harness.published().get(0);
        assertThat(change.getState().getMedia()).singleElement().satisfies(ref -> {
            assertThat(ref.getMediaId()).isEqualTo("m-1");
            assertThat(ref.getSha256()).isEqualTo(photo.getSha256());
            assertThat(ref.getSize()).isEqualTo(2048);
            assertThat(ref.getContentType()).isEqualTo("image/png");
            assertThat(ref.getStagingKey()).isEqualTo(photo.getStagingKey());
        });
    }

    @Test
    void aRetriedUploadWithTheSameKeyIsADuplicateEvenThoughItWasStagedUnderAnotherAttemptKey() {
        MediaStaged first = staged("m-1", 10);
        events.pipeInput("acme/alice", first);
        events.pipeInput("acme/alice", MediaStaged.newBuilder(first)
                .setStagingKey("staging/acme/alice/m-1/00000000000000b2")
                .setRecordedAt(Instant.parse("2026-11-01T09:00:03Z")).build());
        events.pipeInput("acme/alice", withMedia(UUID.randomUUID(), "2026-10-31T09:00:00Z", "m-1"));

        assertThat(deadLetters.isEmpty()).isTrue();
        MediaRef ref = ((MemoryChanged) harness.published().get(0)).getState().getMedia().get(0);
        assertThat(ref.getStagingKey()).isEqualTo(first.getStagingKey());
    }

    @Test
    void activityIsPublishedAsAbsoluteTotalsPerUserAndDay() {
        events.pipeInput("acme/alice", staged("m-1", 100));
        events.pipeInput("acme/alice", staged("m-2", 50));
        events.pipeInput("acme/alice", withMedia(UUID.randomUUID(), "2026-10-31T09:00:00Z", "m-1"));
        events.pipeInput("acme/alice", withMedia(UUID.randomUUID(), "2026-10-31T23:59:59Z", "m-1", "m-2"));
        events.pipeInput("acme/alice", withMedia(UUID.randomUUID(), "2026-11-01T00:00:00Z"));

        List<KeyValue<String, SpecificRecord>> values = activity.readKeyValuesToList();
        assertThat(values).extracting(kv -> kv.key).containsExactly("acme/alice/2026-10-31", "acme/alice/2026-10-31",
                "acme/alice/2026-11-01");
        UserActivityDay october31 = (UserActivityDay) values.get(1).value;
        assertThat(october31.getDay()).isEqualTo(LocalDate.parse("2026-10-31"));
        assertThat(october31.getMemories()).isEqualTo(2);
        assertThat(october31.getMediaBytes()).isEqualTo(250);
        assertThat(october31.getSourceOffset()).isEqualTo(3);
    }

    @Test
    void aRevisionMovingTheMemoryToAnotherDayMovesItsCountAndForgettingRemovesIt() {
        UUID memoryId = UUID.randomUUID();
        events.pipeInput("acme/alice", staged("m-1", 100));
        events.pipeInput("acme/alice", withMedia(memoryId, "2026-10-31T09:00:00Z", "m-1"));
        events.pipeInput("acme/alice", withMedia(UUID.randomUUID(), "2026-10-31T10:00:00Z"));
        activity.readKeyValuesToList();

        events.pipeInput("acme/alice", MemoryRevised.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme")
                .setUserId("alice").setRecordedAt(Instant.parse("2026-11-02T00:00:00Z")).setMemoryId(memoryId)
                .setOccurredAt(Instant.parse("2026-09-01T12:00:00Z")).build());
        assertThat(latestActivity()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "acme/alice/2026-10-31", "1/0", "acme/alice/2026-09-01", "1/100"));

        events.pipeInput("acme/alice", forgotten(memoryId));
        assertThat(latestActivity()).containsExactlyEntriesOf(Map.of("acme/alice/2026-09-01", "0/0"));
    }

    @Test
    void aRevisionThatChangesNeitherDayNorMediaPublishesNoActivity() {
        UUID memoryId = UUID.randomUUID();
        events.pipeInput("acme/alice", withMedia(memoryId, "2026-10-31T09:00:00Z"));
        activity.readKeyValuesToList();
        events.pipeInput("acme/alice", MemoryChangesTopologyTest.revised(memoryId, "new words", null));

        assertThat(activity.isEmpty()).isTrue();
    }

    @Test
    void erasingAUserBringsEveryDayBackToZero() {
        events.pipeInput("acme/alice", staged("m-1", 100));
        events.pipeInput("acme/alice", withMedia(UUID.randomUUID(), "2026-10-30T09:00:00Z", "m-1"));
        events.pipeInput("acme/alice", withMedia(UUID.randomUUID(), "2026-10-31T09:00:00Z"));
        activity.readKeyValuesToList();

        events.pipeInput("acme/alice", UserErased.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme")
                .setUserId("alice").setRecordedAt(Instant.parse("2026-11-04T00:00:00Z")).build());

        assertThat(latestActivity()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "acme/alice/2026-10-30", "0/0", "acme/alice/2026-10-31", "0/0"));
        try (var days = driver.getKeyValueStore(MemoryChangesTopology.ACTIVITY_DAYS_STORE).all();
             var media = driver.getKeyValueStore(MemoryChangesTopology.STAGED_MEDIA_STORE).all()) {
            assertThat(days.hasNext()).isFalse();
            assertThat(media.hasNext()).isFalse();
        }
    }

}
