package io.mnemo.query.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;

/** A media download link: valid until {@code expiresAt}, no credentials needed. */
public record MediaLinkResponse(String mediaId,
                                @Schema(description = "Signed GET URL of the bytes, needing no credentials.")
                                String url,
                                @Schema(description = "When the URL stops working.") Instant expiresAt,
                                String contentType,
                                @Schema(description = "Bytes.") long size,
                                @Schema(description = "SHA-256 of the bytes, hex.") String sha256) {
}
