package io.mnemo.ingest.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Command: replace some fields of a memory; empty fields stay as they are. */
public record ReviseMemory(TenantId tenant, UserId user, MemoryId memoryId, Optional<Instant> occurredAt,
                           Optional<String> content, Optional<List<String>> tags,
                           Optional<Map<String, String>> attributes, Optional<List<String>> mediaIds,
                           Optional<IdempotencyKey> idempotencyKey) {
    public boolean changesNothing() {
        return occurredAt.isEmpty() && content.isEmpty() && tags.isEmpty() && attributes.isEmpty()
                && mediaIds.isEmpty();
    }
}
