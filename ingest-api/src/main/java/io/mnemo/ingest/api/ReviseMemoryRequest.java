package io.mnemo.ingest.api;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Body of {@code PATCH /v1/users/{userId}/memories/{memoryId}}: the fields to replace. An absent (or null)
 * field is left unchanged; an empty list or object clears it.
 */
public record ReviseMemoryRequest(
        Instant occurredAt,
        @Size(max = 65536)
        @Pattern(regexp = TextRules.NO_NUL, message = TextRules.NO_NUL_MESSAGE) String content,
        @Size(max = 50) List<@NotBlank @Size(max = 64) @Pattern(regexp = TextRules.NO_NUL, message = TextRules.NO_NUL_MESSAGE) String> tags,
        @Size(max = 50) Map<@NotBlank @Size(max = 64) @Pattern(regexp = TextRules.NO_NUL, message = TextRules.NO_NUL_MESSAGE) String,
                @NotNull @Size(max = 1024) @Pattern(regexp = TextRules.NO_NUL, message = TextRules.NO_NUL_MESSAGE) String> attributes,
        @Size(max = 20) List<@NotBlank @Size(max = 64) String> mediaIds) {
}
