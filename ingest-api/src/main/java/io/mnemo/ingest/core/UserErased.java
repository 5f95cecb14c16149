package io.mnemo.ingest.core;

import java.time.Instant;
import java.util.Optional;

/** Event: everything of a user is to be erased. */
public record UserErased(EventId eventId, TenantId tenant, UserId user, Instant recordedAt,
                         Optional<IdempotencyKey> idempotencyKey) implements MemoryEvent {
}
