package io.mnemo.ingest.api;

import io.mnemo.kit.http.UserIds;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One memory of {@code POST /v1/memories:batch}: a capture request plus its user and its own idempotency key. */
public record BatchItemRequest(
        @NotNull @Pattern(regexp = UserIds.PATTERN, message = UserIds.MESSAGE)
        String userId,
        @Pattern(regexp = "[A-Za-z0-9._:-]{1,128}", message = "must be 1-128 characters of letters, digits and . _ - :")
        String idempotencyKey,
        @NotNull Instant occurredAt,
        @NotNull @Size(max = 65536)
        @Pattern(regexp = TextRules.NO_NUL, message = TextRules.NO_NUL_MESSAGE) String content,
        @Size(max = 50) List<@NotBlank @Size(max = 64) @Pattern(regexp = TextRules.NO_NUL, message = TextRules.NO_NUL_MESSAGE) String> tags,
        @Size(max = 50) Map<@NotBlank @Size(max = 64) @Pattern(regexp = TextRules.NO_NUL, message = TextRules.NO_NUL_MESSAGE) String,
                @NotNull @Size(max = 1024) @Pattern(regexp = TextRules.NO_NUL, message = TextRules.NO_NUL_MESSAGE) String> attributes,
        @Size(max = 20) List<@NotBlank @Size(max = 64) String> mediaIds) {
}
