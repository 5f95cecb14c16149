package io.mnemo.query.api;

import java.time.Instant;

/** A media download link: valid until {@code expiresAt}, no credentials needed. */
public record MediaLinkResponse(String mediaId, String url, Instant expiresAt, String contentType, long size,
                                String sha256) {
}
