package io.mnemo.ingest.core;

import java.time.Instant;

/** Event: media bytes are in the staging area of the media bucket, with their verified hash and sniffed type. */
public record MediaStaged(EventId eventId, TenantId tenant, UserId user, Instant recordedAt, MediaId mediaId,
                          String sha256, long size, String contentType, String bucket, String stagingKey)
        implements MemoryEvent {
}
