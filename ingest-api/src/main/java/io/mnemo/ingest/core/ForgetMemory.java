package io.mnemo.ingest.core;

import java.util.Optional;

/** Command: forget one memory of a user. */
public record ForgetMemory(TenantId tenant, UserId user, MemoryId memoryId, Optional<IdempotencyKey> idempotencyKey) {
}
