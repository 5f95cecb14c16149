package io.mnemo.query.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A memory as the projection holds it. */
public record MemoryView(UUID memoryId, String userId, Instant occurredAt, Instant recordedAt, String content,
                         List<String> tags, Map<String, String> attributes, List<String> mediaIds, long version) {
}
