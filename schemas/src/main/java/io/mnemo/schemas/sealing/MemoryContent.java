package io.mnemo.schemas.sealing;

import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.events.MemoryCaptured;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A memory's personal fields in clear, read from a {@link MemoryState} whose fields may be sealed (events written
 * since crypto-shredding) or clear (older events, which stay readable as they are).
 */
public record MemoryContent(String content, List<String> tags, Map<String, String> attributes) {

    public static boolean isSealed(MemoryState state) {
        return state.getSealedContent() != null || state.getSealedTags() != null
                || state.getSealedAttributes() != null;
    }

    /**
     * @param key the user's data key; may be null only when {@link #isSealed} is false
     * @throws SealingException when a sealed field does not open with the key
     */
    public static MemoryContent of(MemoryState state, String tenant, String user, UUID memoryId, DataKey key) {
        if (!isSealed(state)) {
            return new MemoryContent(state.getContent(), state.getTags(), state.getAttributes());
        }
        if (key == null) {
            throw new IllegalArgumentException("memory " + memoryId + " is sealed: its user's key is needed");
        }
        MemorySeal seal = MemorySeal.of(key, tenant, user, memoryId);
        return new MemoryContent(
                state.getSealedContent() != null ? seal.openContent(state.getSealedContent()) : state.getContent(),
                state.getSealedTags() != null ? seal.openTags(state.getSealedTags()) : state.getTags(),
                state.getSealedAttributes() != null ? seal.openAttributes(state.getSealedAttributes())
                        : state.getAttributes());
    }

    /** As {@link #of(MemoryState, String, String, UUID, DataKey)}, for a capture event. */
    public static MemoryContent of(MemoryCaptured event, DataKey key) {
        boolean sealed = event.getSealedContent() != null || event.getSealedTags() != null
                || event.getSealedAttributes() != null;
        if (!sealed) {
            return new MemoryContent(event.getContent(), event.getTags(), event.getAttributes());
        }
        MemorySeal seal = MemorySeal.of(key, event.getTenantId(), event.getUserId(), event.getMemoryId());
        return new MemoryContent(
                event.getSealedContent() != null ? seal.openContent(event.getSealedContent()) : event.getContent(),
                event.getSealedTags() != null ? seal.openTags(event.getSealedTags()) : event.getTags(),
                event.getSealedAttributes() != null ? seal.openAttributes(event.getSealedAttributes())
                        : event.getAttributes());
    }
}
