package io.mnemo.processors.topology;

import io.mnemo.processors.core.UserKey;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.events.MediaStaged;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.sealing.DataKey;
import io.mnemo.schemas.sealing.MemoryContent;
import io.mnemo.schemas.sealing.MemorySeal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The fold of one memory, without Kafka: plain values in, a result out. */
class MemoryFoldTest {
    private static final MemoryFold.StagedMedia NOTHING_STAGED = (user, mediaId) -> null;
    private final UUID memoryId = UUID.randomUUID();

    private InboundEvent.Capture capture(List<String> mediaIds) {
        return new InboundEvent.Capture(MemoryCaptured.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme")
                .setUserId("alice").setRecordedAt(Instant.parse("2026-11-01T10:00:00Z")).setMemoryId(memoryId)
                .setOccurredAt(Instant.parse("2026-10-31T09:00:00Z")).setContent("hello").setTags(List.of("a"))
                .setAttributes(Map.of("k", "v")).setMediaIds(mediaIds).build());
    }

    private MemoryChanged applied(MemoryChanged last, InboundEvent.OfMemory event, long offset) {
        var result = MemoryFold.apply(last, event, NOTHING_STAGED, 3, offset);
        assertThat(result).isInstanceOf(MemoryFold.Result.Applied.class);
        return ((MemoryFold.Result.Applied) result).change();
    }

    @Test
    void aCaptureStartsTheMemoryAtVersionOneAtItsSourcePosition() {
        MemoryChanged change = applied(null, capture(List.of()), 42);
        assertThat(change.getVersion()).isEqualTo(1);
        assertThat(change.getKind()).isEqualTo(MemoryChangeKind.UPSERTED);
        assertThat(change.getState().getContent()).isEqualTo("hello");
        assertThat(change.getSourcePartition()).isEqualTo(3);
        assertThat(change.getSourceOffset()).isEqualTo(42);
    }

    @Test
    void aRevisionReplacesOnlyTheFieldsItCarries() {
        MemoryChanged first = applied(null, capture(List.of()), 1);
        var revision = new InboundEvent.Revision(io.mnemo.schemas.events.MemoryRevised.newBuilder()
                .setEventId(UUID.randomUUID()).setTenantId("acme").setUserId("alice")
                .setRecordedAt(Instant.parse("2026-11-02T10:00:00Z")).setMemoryId(memoryId).setContent("edited")
                .build());
        MemoryChanged second = applied(first, revision, 2);
        assertThat(second.getVersion()).isEqualTo(2);
        assertThat(second.getState().getContent()).isEqualTo("edited");
        assertThat(second.getState().getTags()).containsExactly("a");
        assertThat(MemoryFold.apply(second, revision, NOTHING_STAGED, 3, 3))
                .isInstanceOf(MemoryFold.Result.AlreadyApplied.class);
    }

    @Test
    void sealedFieldsMoveThroughTheFoldAsTheyAreAndARevisionReplacesOnlyTheOnesItNames() {
        DataKey key = DataKey.generate();
        MemorySeal seal = MemorySeal.of(key, "acme", "alice", memoryId);
        var sealedCapture = new InboundEvent.Capture(MemoryCaptured.newBuilder().setEventId(UUID.randomUUID())
                .setTenantId("acme").setUserId("alice").setRecordedAt(Instant.parse("2026-11-01T10:00:00Z"))
                .setMemoryId(memoryId).setOccurredAt(Instant.parse("2026-10-31T09:00:00Z")).setContent("")
                .setSealedContent(seal.content("hello")).setTags(List.of()).setSealedTags(seal.tags(List.of("a")))
                .setAttributes(Map.of()).setSealedAttributes(seal.attributes(Map.of("k", "v"))).setMediaIds(List.of())
                .build());
        MemoryChanged first = applied(null, sealedCapture, 1);
        assertThat(MemoryContent.of(first.getState(), "acme", "alice", memoryId, key))
                .isEqualTo(new MemoryContent("hello", List.of("a"), Map.of("k", "v")));

        var revision = new InboundEvent.Revision(io.mnemo.schemas.events.MemoryRevised.newBuilder()
                .setEventId(UUID.randomUUID()).setTenantId("acme").setUserId("alice")
                .setRecordedAt(Instant.parse("2026-11-02T10:00:00Z")).setMemoryId(memoryId)
                .setSealedContent(seal.content("edited")).build());
        MemoryChanged second = applied(first, revision, 2);
        assertThat(MemoryContent.of(second.getState(), "acme", "alice", memoryId, key))
                .isEqualTo(new MemoryContent("edited", List.of("a"), Map.of("k", "v")));
        assertThat(second.getState().getContent()).isEmpty();
    }

    @Test
    void aMemoryCapturedInClearCanBeRevisedSealedAndReadsAsOne() {
        DataKey key = DataKey.generate();
        MemoryChanged first = applied(null, capture(List.of()), 1);
        var revision = new InboundEvent.Revision(io.mnemo.schemas.events.MemoryRevised.newBuilder()
                .setEventId(UUID.randomUUID()).setTenantId("acme").setUserId("alice")
                .setRecordedAt(Instant.parse("2026-11-02T10:00:00Z")).setMemoryId(memoryId)
                .setSealedTags(MemorySeal.of(key, "acme", "alice", memoryId).tags(List.of("b"))).build());
        MemoryChanged second = applied(first, revision, 2);
        assertThat(MemoryContent.of(second.getState(), "acme", "alice", memoryId, key))
                .isEqualTo(new MemoryContent("hello", List.of("b"), Map.of("k", "v")));
    }

    @Test
    void aCaptureOfAMemoryThatExistsOrExistedIsARetryNotARejection() {
        MemoryChanged first = applied(null, capture(List.of()), 1);
        assertThat(MemoryFold.apply(first, capture(List.of()), NOTHING_STAGED, 3, 9))
                .isInstanceOf(MemoryFold.Result.AlreadyApplied.class);
        MemoryChanged forgotten = MemoryFold.erase(first, UUID.randomUUID(), 3, 5);
        assertThat(MemoryFold.apply(forgotten, capture(List.of()), NOTHING_STAGED, 3, 9))
                .isInstanceOf(MemoryFold.Result.AlreadyApplied.class);
    }

    @Test
    void historyThatCannotApplyIsRejectedWithItsReason() {
        var forget = new InboundEvent.Forget(io.mnemo.schemas.events.MemoryForgotten.newBuilder()
                .setEventId(UUID.randomUUID()).setTenantId("acme").setUserId("alice")
                .setRecordedAt(Instant.parse("2026-11-02T10:00:00Z")).setMemoryId(memoryId).build());
        assertThat(MemoryFold.apply(null, forget, NOTHING_STAGED, 3, 1)).isEqualTo(
                new MemoryFold.Result.Rejected("cannot forget memory " + memoryId + ": it does not exist"));
        assertThat(MemoryFold.apply(null, capture(List.of("m1")), NOTHING_STAGED, 3, 1)).isEqualTo(
                new MemoryFold.Result.Rejected("media m1 was never staged by user acme/alice"));
    }

    @Test
    void stagedMediaAreResolvedIntoTheState() {
        MediaStaged staged = MediaStaged.newBuilder().setEventId(UUID.randomUUID()).setTenantId("acme")
                .setUserId("alice").setRecordedAt(Instant.parse("2026-11-01T09:00:00Z")).setMediaId("m1")
                .setSha256("ab".repeat(32)).setSize(10).setContentType("image/png").setBucket("b")
                .setStagingKey("staging/x").build();
        var result = MemoryFold.apply(null, capture(List.of("m1")),
                (user, mediaId) -> user.equals(new UserKey("acme", "alice")) && mediaId.equals("m1") ? staged : null,
                3, 1);
        MemoryChanged change = ((MemoryFold.Result.Applied) result).change();
        assertThat(change.getState().getMedia()).singleElement().satisfies(media -> {
            assertThat(media.getSize()).isEqualTo(10);
            assertThat(media.getStagingKey()).isEqualTo("staging/x");
        });
    }
}
