package io.mnemo.ingest.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Event: some fields of a memory were replaced; an empty field is unchanged. */
public record MemoryRevised(EventId eventId, TenantId tenant, UserId user, Instant recordedAt, MemoryId memoryId,
                            Optional<Instant> occurredAt, Optional<String> content, Optional<List<String>> tags,
                            Optional<Map<String, String>> attributes, Optional<List<String>> mediaIds,
                            Optional<IdempotencyKey> idempotencyKey) implements MemoryEvent {
}
