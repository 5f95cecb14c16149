package io.mnemo.processors.topology;

import io.mnemo.processors.core.UserKey;

import io.mnemo.schemas.changes.MediaRef;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.events.MediaStaged;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.events.MemoryForgotten;
import io.mnemo.schemas.events.MemoryRevised;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;

/**
 * The fold of one memory: given the memory's last change (null when it was never captured) and its next event,
 * what happens. Pure: it reads nothing but its arguments and writes nothing, so it is tested without Kafka, and
 * an exception inside it leaves no half-applied state behind.
 *
 * <p>Retries are answered here, not only by the event-id window ({@link EventDedupe}): a memory id derives from
 * the tenant, user and Idempotency-Key, so a capture naming a memory that exists (or existed) repeats a capture
 * that was applied long ago; it changes nothing and blocks nothing. Forgetting a forgotten memory is likewise a
 * no-op, as is a revision whose event produced the memory's last change.
 */
final class MemoryFold {
    private MemoryFold() {
    }

    /** The media a user staged, by media id (null when never staged). */
    @FunctionalInterface
    interface StagedMedia {
        MediaStaged find(UserKey user, String mediaId);
    }

    /** What one event does to its memory. */
    sealed interface Result {
        /** The memory's next change (version + 1), to store, publish and project. */
        record Applied(MemoryChanged change) implements Result {
        }

        /** The event repeats what the memory already reflects: nothing to do. */
        record AlreadyApplied(String why) implements Result {
        }

        /** The event cannot apply to the memory's history as it stands; the memory is blocked behind it. */
        record Rejected(String reason) implements Result {
        }
    }

    static Result apply(MemoryChanged last, InboundEvent.OfMemory event, StagedMedia staged, int sourcePartition,
                        long sourceOffset) {
        if (event instanceof InboundEvent.Capture capture) {
            return capture(last, capture, staged, sourcePartition, sourceOffset);
        }
        if (event instanceof InboundEvent.Revision revision) {
            return revise(last, revision, staged, sourcePartition, sourceOffset);
        }
        return forget(last, (InboundEvent.Forget) event, sourcePartition, sourceOffset);
    }

    /** The deletion an erasure applies to one live memory of the user, or null when it is gone already. */
    static MemoryChanged erase(MemoryChanged last, UUID erasureEventId, int sourcePartition, long sourceOffset) {
        if (last == null || last.getKind() == MemoryChangeKind.DELETED) {
            return null;
        }
        return change(erasureEventId, last.getTenantId(), last.getUserId(), last.getMemoryId(),
                last.getVersion() + 1, MemoryChangeKind.DELETED, null, sourcePartition, sourceOffset);
    }

    private static Result capture(MemoryChanged last, InboundEvent.Capture event, StagedMedia staged, int partition,
                                  long offset) {
        MemoryCaptured captured = event.record();
        if (last != null) {
            return new Result.AlreadyApplied("memory " + captured.getMemoryId() + " was captured already (a retry "
                    + "of its Idempotency-Key); the first capture stands");
        }
        List<MediaRef> media = new ArrayList<>();
        String unknown = resolveMedia(event.user(), captured.getMediaIds(), staged, media);
        if (unknown != null) {
            return new Result.Rejected(unknown);
        }
        MemoryState state = MemoryState.newBuilder().setOccurredAt(captured.getOccurredAt())
                .setRecordedAt(captured.getRecordedAt()).setContent(captured.getContent())
                .setTags(new ArrayList<>(captured.getTags()))
                .setAttributes(new LinkedHashMap<>(captured.getAttributes()))
                .setMediaIds(new ArrayList<>(captured.getMediaIds())).setMedia(media)
                // sealed fields move as they are: the processors never hold a user's data key
                .setSealedContent(captured.getSealedContent()).setSealedTags(captured.getSealedTags())
                .setSealedAttributes(captured.getSealedAttributes()).build();
        return new Result.Applied(change(captured.getEventId(), captured.getTenantId(), captured.getUserId(),
                captured.getMemoryId(), 1, MemoryChangeKind.UPSERTED, state, partition, offset));
    }

    private static Result revise(MemoryChanged last, InboundEvent.Revision event, StagedMedia staged, int partition,
                                 long offset) {
        MemoryRevised revised = event.record();
        if (last == null || last.getKind() == MemoryChangeKind.DELETED) {
            return new Result.Rejected("cannot revise memory " + revised.getMemoryId() + ": it "
                    + (last == null ? "does not exist" : "was forgotten"));
        }
        if (last.getEventId().equals(revised.getEventId())) {
            return new Result.AlreadyApplied("revision " + revised.getEventId() + " made the memory's last change");
        }
        MemoryState old = last.getState();
        List<MediaRef> media = old.getMedia();
        if (revised.getMediaIds() != null) {
            media = new ArrayList<>();
            String unknown = resolveMedia(event.user(), revised.getMediaIds(), staged, media);
            if (unknown != null) {
                return new Result.Rejected(unknown);
            }
        }
        // A field the revision names (clear or sealed) replaces both forms of the old one; one it does not name keeps
        // the old one as it was, sealed or clear (a memory captured before crypto-shredding may be revised after).
        boolean content = revised.getContent() != null || revised.getSealedContent() != null;
        boolean tags = revised.getTags() != null || revised.getSealedTags() != null;
        boolean attributes = revised.getAttributes() != null || revised.getSealedAttributes() != null;
        MemoryState state = MemoryState.newBuilder()
                .setOccurredAt(revised.getOccurredAt() != null ? revised.getOccurredAt() : old.getOccurredAt())
                .setRecordedAt(revised.getRecordedAt())
                .setContent(content ? orEmpty(revised.getContent()) : old.getContent())
                .setSealedContent(content ? revised.getSealedContent() : old.getSealedContent())
                .setTags(new ArrayList<>(tags ? orEmpty(revised.getTags()) : old.getTags()))
                .setSealedTags(tags ? revised.getSealedTags() : old.getSealedTags())
                .setAttributes(new LinkedHashMap<>(attributes ? orEmpty(revised.getAttributes())
                        : old.getAttributes()))
                .setSealedAttributes(attributes ? revised.getSealedAttributes() : old.getSealedAttributes())
                .setMediaIds(new ArrayList<>(revised.getMediaIds() != null ? revised.getMediaIds() : old.getMediaIds()))
                .setMedia(new ArrayList<>(media))
                .build();
        return new Result.Applied(change(revised.getEventId(), revised.getTenantId(), revised.getUserId(),
                revised.getMemoryId(), last.getVersion() + 1, MemoryChangeKind.UPSERTED, state, partition, offset));
    }

    private static String orEmpty(String value) {
        return value != null ? value : "";
    }

    private static <T> List<T> orEmpty(List<T> values) {
        return values != null ? values : List.of();
    }

    private static <K, V> java.util.Map<K, V> orEmpty(java.util.Map<K, V> values) {
        return values != null ? values : java.util.Map.of();
    }

    private static Result forget(MemoryChanged last, InboundEvent.Forget event, int partition, long offset) {
        MemoryForgotten forgotten = event.record();
        if (last == null) {
            return new Result.Rejected("cannot forget memory " + forgotten.getMemoryId() + ": it does not exist");
        }
        if (last.getKind() == MemoryChangeKind.DELETED) {
            return new Result.AlreadyApplied("memory " + forgotten.getMemoryId() + " is forgotten already");
        }
        return new Result.Applied(change(forgotten.getEventId(), forgotten.getTenantId(), forgotten.getUserId(),
                forgotten.getMemoryId(), last.getVersion() + 1, MemoryChangeKind.DELETED, null, partition, offset));
    }

    /** Fills {@code into} with what the user's staged media are; returns why not when one was never staged. */
    private static String resolveMedia(UserKey user, List<String> mediaIds, StagedMedia staged, List<MediaRef> into) {
        for (String mediaId : mediaIds) {
            MediaStaged media = staged.find(user, mediaId);
            if (media == null) {
                return "media " + mediaId + " was never staged by user " + user;
            }
            into.add(MediaRef.newBuilder().setMediaId(mediaId).setSha256(media.getSha256())
                    .setSize(media.getSize()).setContentType(media.getContentType())
                    .setStagingKey(media.getStagingKey()).build());
        }
        return null;
    }

    private static MemoryChanged change(UUID eventId, String tenant, String user, UUID memoryId, long version,
                                        MemoryChangeKind kind, MemoryState state, int partition, long offset) {
        return MemoryChanged.newBuilder().setEventId(eventId).setTenantId(tenant).setUserId(user)
                .setMemoryId(memoryId).setVersion(version).setKind(kind).setState(state)
                .setSourcePartition(partition).setSourceOffset(offset).build();
    }
}
