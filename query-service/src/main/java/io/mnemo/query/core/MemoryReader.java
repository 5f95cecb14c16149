package io.mnemo.query.core;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Port: reads the projections. Methods about one user take {@code atLeast}, a position the answer must reflect
 * (read-your-writes, monotonic reads).
 */
public interface MemoryReader {
    /** Up to {@code limit} memories of the user matching the filter, newest first, strictly after {@code after}. */
    Read<List<MemoryView>> newestFirst(String tenantId, String userId, MemoryFilter filter, Optional<Cursor> after,
                                       int limit, Optional<LogPosition> atLeast);

    Read<Optional<MemoryView>> byId(String tenantId, String userId, UUID memoryId, Optional<LogPosition> atLeast);

    /** A media id some live memory of the user references. */
    Read<Optional<MediaObject>> media(String tenantId, String userId, String mediaId, Optional<LogPosition> atLeast);

    Read<List<ActivityDay>> activity(String tenantId, String userId, LocalDate from, LocalDate to,
                                     Optional<LogPosition> atLeast);

    Read<List<ActivityBucket>> tenantActivity(String tenantId, LocalDate from, LocalDate to, Granularity granularity);

    MemoryExport export(String tenantId, String userId, Optional<Instant> from, Optional<Instant> to);
}
