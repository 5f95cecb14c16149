package io.mnemo.ingest.core;

import java.time.Instant;
import java.util.Optional;

/** Event: a memory is to be forgotten everywhere. */
public record MemoryForgotten(EventId eventId, TenantId tenant, UserId user, Instant recordedAt, MemoryId memoryId,
                              Optional<IdempotencyKey> idempotencyKey) implements MemoryEvent {
}
