package io.mnemo.ingest.api;

import io.swagger.v3.oas.annotations.media.Schema;

/** Answer to {@code DELETE /v1/users/{userId}}: the erasure is durable in the log at {@code position}. */
public record UserEraseAccepted(
        @Schema(description = "The user whose data is being erased.", requiredMode = Schema.RequiredMode.REQUIRED)
        String userId,
        @Schema(description = "`partition:offset` of the erasure event in the log.", pattern = "^[0-9]+:[0-9]+$",
                requiredMode = Schema.RequiredMode.REQUIRED, example = "3:1042") String position) {
}
