package io.mnemo.ingest.api;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * Answer to a staged upload: the id to reference from memories, and what the service verified about the bytes
 * (their SHA-256 in lower-case hex, size and sniffed content type).
 */
public record MediaAccepted(
        @Schema(description = "The id to list in a memory's `mediaIds`.", requiredMode = Schema.RequiredMode.REQUIRED)
        String mediaId,
        @Schema(description = "SHA-256 of the bytes, lower-case hex.", pattern = "^[0-9a-f]{64}$",
                requiredMode = Schema.RequiredMode.REQUIRED) String sha256,
        @Schema(description = "Size in bytes.", requiredMode = Schema.RequiredMode.REQUIRED) long size,
        @Schema(description = "The content type sniffed from the bytes.", requiredMode = Schema.RequiredMode.REQUIRED)
        String contentType) {
}
