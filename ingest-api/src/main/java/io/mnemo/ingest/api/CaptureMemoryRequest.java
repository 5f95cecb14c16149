package io.mnemo.ingest.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Body of {@code POST /v1/users/{userId}/memories}. Unknown fields are rejected, so a producer cannot set
 * tenant, ids or timestamps that the server owns.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record CaptureMemoryRequest(
        @NotNull Instant occurredAt,
        @NotNull @Size(max = 65536, message = "must be at most 64 KiB characters")
        @Pattern(regexp = TextRules.NO_NUL, message = TextRules.NO_NUL_MESSAGE) String content,
        @Size(max = 50) List<@NotBlank @Size(max = 64) @Pattern(regexp = TextRules.NO_NUL, message = TextRules.NO_NUL_MESSAGE) String> tags,
        @Size(max = 50) Map<@NotBlank @Size(max = 64) @Pattern(regexp = TextRules.NO_NUL, message = TextRules.NO_NUL_MESSAGE) String,
                @NotNull @Size(max = 1024) @Pattern(regexp = TextRules.NO_NUL, message = TextRules.NO_NUL_MESSAGE) String> attributes,
        @Size(max = 20) List<@NotBlank @Size(max = 64) String> mediaIds) {

    public List<String> tagsOrEmpty() {
        return tags == null ? List.of() : tags;
    }

    public Map<String, String> attributesOrEmpty() {
        return attributes == null ? Map.of() : attributes;
    }

    public List<String> mediaIdsOrEmpty() {
        return mediaIds == null ? List.of() : mediaIds;
    }
}
