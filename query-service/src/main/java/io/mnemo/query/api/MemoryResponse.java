package io.mnemo.query.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A memory as analysts read it (ARCHITECTURE §6). */
public record MemoryResponse(String memoryId, String userId, Instant occurredAt, Instant recordedAt, String content,
                             List<String> tags, Map<String, String> attributes, List<String> media, long version) {
}
