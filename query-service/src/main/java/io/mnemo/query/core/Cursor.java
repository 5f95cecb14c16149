package io.mnemo.query.core;

import java.time.Instant;
import java.util.UUID;

/** Keyset position in a user's newest-first list: the last (occurredAt, memoryId) already returned. */
public record Cursor(Instant occurredAt, UUID memoryId) {
}
