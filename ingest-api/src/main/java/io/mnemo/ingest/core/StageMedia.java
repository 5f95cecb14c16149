package io.mnemo.ingest.core;

import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Command: stage the bytes of {@code body} as a media object of this user.
 *
 * @param declaredType   the request's Content-Type, a hint checked against the bytes
 * @param declaredLength the request's Content-Length, when known: lets an oversized upload be refused unread
 */
public record StageMedia(TenantId tenant, UserId user, Optional<String> declaredType, OptionalLong declaredLength,
                         Optional<IdempotencyKey> idempotencyKey, InputStream body) {
    public StageMedia {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(declaredType, "declaredType");
        Objects.requireNonNull(declaredLength, "declaredLength");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(body, "body");
    }
}
