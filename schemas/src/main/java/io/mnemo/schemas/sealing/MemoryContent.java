package io.mnemo.schemas.sealing;

import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.events.MemoryCaptured;
import java.nio.ByteBuffer;
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
        return open(state.getContent(), state.getSealedContent(), state.getTags(), state.getSealedTags(),
                state.getAttributes(), state.getSealedAttributes(), tenant, user, memoryId, key);
    }

    /** As {@link #of(MemoryState, String, String, UUID, DataKey)}, for a capture event. */
    public static MemoryContent of(MemoryCaptured event, DataKey key) {
        return open(event.getContent(), event.getSealedContent(), event.getTags(), event.getSealedTags(),
                event.getAttributes(), event.getSealedAttributes(), event.getTenantId(), event.getUserId(),
                event.getMemoryId(), key);
    }

    /** Each field from its sealed form when it has one, else as it is in clear. */
    private static MemoryContent open(String content, ByteBuffer sealedContent, List<String> tags,
                                      ByteBuffer sealedTags, Map<String, String> attributes,
                                      ByteBuffer sealedAttributes, String tenant, String user, UUID memoryId,
                                      DataKey key) {
        if (sealedContent == null && sealedTags == null && sealedAttributes == null) {
            return new MemoryContent(content, tags, attributes);
        }
        if (key == null) {
            throw new IllegalArgumentException("memory " + memoryId + " is sealed: its user's key is needed");
        }
        MemorySeal seal = MemorySeal.of(key, tenant, user, memoryId);
        return new MemoryContent(sealedContent != null ? seal.openContent(sealedContent) : content,
                sealedTags != null ? seal.openTags(sealedTags) : tags,
                sealedAttributes != null ? seal.openAttributes(sealedAttributes) : attributes);
    }
}
