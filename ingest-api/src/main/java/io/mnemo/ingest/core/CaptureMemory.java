package io.mnemo.ingest.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Command: record a new memory for a user. */
public record CaptureMemory(TenantId tenant, UserId user, Instant occurredAt, String content, List<String> tags,
                            Map<String, String> attributes, List<String> mediaIds,
                            Optional<IdempotencyKey> idempotencyKey) {
    public CaptureMemory {
        tags = List.copyOf(tags);
        attributes = Map.copyOf(attributes);
        mediaIds = List.copyOf(mediaIds);
    }
}
