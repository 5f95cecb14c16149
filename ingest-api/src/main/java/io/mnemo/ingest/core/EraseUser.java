package io.mnemo.ingest.core;

import java.util.Optional;

/** Command: erase everything of a user. */
public record EraseUser(TenantId tenant, UserId user, Optional<IdempotencyKey> idempotencyKey) {
}
