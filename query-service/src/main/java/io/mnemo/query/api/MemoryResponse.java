package io.mnemo.query.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A memory as analysts read it (ARCHITECTURE §6). */
public record MemoryResponse(String memoryId, String userId, Instant occurredAt, Instant recordedAt, String content,
                             List<String> tags, Map<String, String> attributes,
                             @Schema(description = "Media ids; getMediaLink gives a download link for each.")
                             List<String> media,
                             @Schema(description = "Grows with every change of the memory.") long version) {
}
