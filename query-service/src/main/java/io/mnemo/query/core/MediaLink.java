package io.mnemo.query.core;

import java.time.Instant;

/** A short-lived URL that downloads a media object without credentials. */
public record MediaLink(String url, Instant expiresAt) {
}
