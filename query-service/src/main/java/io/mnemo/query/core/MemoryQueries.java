package io.mnemo.query.core;

import io.mnemo.kit.limits.TenantPermits;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** Analysts' queries over the projections: keyset paging with filters, lookups, activity, exports, media links. */
public final class MemoryQueries {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;
    /** Activity ranges: default the last 30 days, at most about two years per request. */
    public static final int DEFAULT_ACTIVITY_DAYS = 30;
    public static final int MAX_ACTIVITY_DAYS = 731;
    /** Suggested wait for a tenant at its export cap: exports take seconds to minutes. */
    static final java.time.Duration EXPORT_RETRY_AFTER = java.time.Duration.ofSeconds(5);
    private static final Pattern USER_ID = Pattern.compile(io.mnemo.kit.http.UserIds.PATTERN);
    private static final Pattern MEDIA_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private final MemoryReader reader;
    private final CursorCodec cursors;
    private final MediaLinks mediaLinks;
    private final java.time.Clock clock;
    private final EventLogEnds logEnds;
    private final TenantPermits exports;

    /**
     * @param logEnds the event log's end offsets, against which read positions are checked
     * @param exports how many exports one tenant may stream at once
     */
    public MemoryQueries(MemoryReader reader, CursorCodec cursors, MediaLinks mediaLinks, java.time.Clock clock,
                         EventLogEnds logEnds, TenantPermits exports) {
        this.reader = reader;
        this.logEnds = logEnds;
        this.exports = exports;
        this.cursors = cursors;
        this.mediaLinks = mediaLinks;
        this.clock = clock;
    }

    /** One page and the cursor of the next one (absent on the last page). */
    public record Page(List<MemoryView> items, Optional<String> nextCursor) {
    }

    /** A signed URL and what it points at. */
    public record MediaDownload(MediaObject media, MediaLink link) {
    }

    public Read<Page> page(String tenantId, String userId, MemoryFilter filter, Optional<String> cursorToken,
                           Optional<Integer> limit, Optional<LogPosition> atLeast) {
        checkUser(userId);
        checkPosition(atLeast);
        int size = limit.orElse(DEFAULT_LIMIT);
        if (size < 1 || size > MAX_LIMIT) {
            throw new InvalidQuery("limit", "must be between 1 and " + MAX_LIMIT);
        }
        // The cursor is bound to tenant, user and filters: it cannot page another user's or another query's list.
        String scope = tenantId + "\n" + userId + "\n" + filter.canonical();
        Optional<Cursor> after = cursorToken.map(token -> cursors.decode(token, scope));
        // One extra row tells whether another page exists without a second query.
        Read<List<MemoryView>> rows = reader.newestFirst(tenantId, userId, filter, after, size + 1, atLeast);
        return rows.map(items -> {
            if (items.size() <= size) {
                return new Page(List.copyOf(items), Optional.empty());
            }
            List<MemoryView> shown = items.subList(0, size);
            MemoryView last = shown.get(size - 1);
            return new Page(List.copyOf(shown),
                    Optional.of(cursors.encode(new Cursor(last.occurredAt(), last.memoryId()), scope)));
        });
    }

    public Read<MemoryView> memory(String tenantId, String userId, String memoryId, Optional<LogPosition> atLeast) {
        checkUser(userId);
        checkPosition(atLeast);
        UUID id;
        try {
            id = UUID.fromString(memoryId);
        } catch (IllegalArgumentException e) {
            throw new NotFound("No memory " + memoryId + " for this user");
        }
        Read<Optional<MemoryView>> read = reader.byId(tenantId, userId, id, atLeast);
        return read.map(found -> found.orElseThrow(() -> new NotFound("No memory " + memoryId + " for this user")));
    }

    public Read<MediaDownload> media(String tenantId, String userId, String mediaId, Optional<LogPosition> atLeast) {
        checkUser(userId);
        checkPosition(atLeast);
        if (!MEDIA_ID.matcher(mediaId).matches()) {
            throw new NotFound("No media " + mediaId + " for this user");
        }
        Read<Optional<MediaObject>> read = reader.media(tenantId, userId, mediaId, atLeast);
        return read.map(found -> {
            MediaObject media = found.orElseThrow(() -> new NotFound("No media " + mediaId + " for this user"));
            return new MediaDownload(media, mediaLinks.signedDownload(media));
        });
    }

    /** [from, to) in whole UTC days. */
    public record DayRange(LocalDate from, LocalDate to) {
    }

    public Read<List<ActivityDay>> activity(String tenantId, String userId, DayRange range,
                                            Optional<LogPosition> atLeast) {
        checkUser(userId);
        checkPosition(atLeast);
        return reader.activity(tenantId, userId, range.from(), range.to(), atLeast);
    }

    public Read<List<ActivityBucket>> tenantActivity(String tenantId, DayRange range, Granularity granularity) {
        return reader.tenantActivity(tenantId, range.from(), range.to(), granularity);
    }

    /**
     * An export holding one of the tenant's export permits until it has streamed (or is closed).
     *
     * @throws TooManyExports when the tenant has its most exports in progress already
     */
    public MemoryExport export(String tenantId, String userId, Optional<Instant> from, Optional<Instant> to) {
        checkUser(userId);
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw new InvalidQuery("from", "must be before to");
        }
        TenantPermits.Permit permit = exports.tryAcquire(tenantId)
                .orElseThrow(() -> new TooManyExports(exports.perTenant(), EXPORT_RETRY_AFTER));
        MemoryExport export;
        try {
            export = reader.export(tenantId, userId, from, to);
        } catch (RuntimeException e) {
            permit.close();
            throw e;
        }
        return new MemoryExport() {
            @Override
            public ReadSource source() {
                return export.source();
            }

            @Override
            public long forEach(java.util.function.Consumer<MemoryView> sink) {
                try {
                    return export.forEach(sink);
                } finally {
                    close();
                }
            }

            @Override
            public void close() {
                permit.close();
                export.close();
            }
        };
    }

    /** [from, to) in days; to defaults to tomorrow (today included), from to 30 days before to. */
    public DayRange range(Optional<LocalDate> from, Optional<LocalDate> to) {
        LocalDate end = to.orElse(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).plusDays(1));
        LocalDate start = from.orElse(end.minusDays(DEFAULT_ACTIVITY_DAYS));
        if (!start.isBefore(end)) {
            throw new InvalidQuery("from", "must be before to");
        }
        if (ChronoUnit.DAYS.between(start, end) > MAX_ACTIVITY_DAYS) {
            throw new InvalidQuery("from", "the range may span at most " + MAX_ACTIVITY_DAYS + " days");
        }
        return new DayRange(start, end);
    }

    /**
     * A position must name an event of the log: one at or past its partition's end was not returned by ingest or by
     * a read, and waiting for it would hold a thread and then query the primary for nothing.
     */
    private void checkPosition(Optional<LogPosition> atLeast) {
        if (atLeast.isEmpty()) {
            return;
        }
        LogPosition position = atLeast.get();
        if (position.partition() >= logEnds.partitions()) {
            throw new InvalidQuery(LogPosition.HEADER, "names partition " + position.partition()
                    + ", but the event log has " + logEnds.partitions() + " partitions");
        }
        java.util.OptionalLong end = logEnds.endBeyond(position.partition(), position.offset());
        if (end.isPresent() && position.offset() >= end.getAsLong()) {
            throw new InvalidQuery(LogPosition.HEADER, "is beyond the end of the event log: partition "
                    + position.partition() + " ends at offset " + end.getAsLong() + "; use a position returned by "
                    + "ingest or by a read");
        }
    }

    private static void checkUser(String userId) {
        if (!USER_ID.matcher(userId).matches()) {
            throw new InvalidQuery("userId", io.mnemo.kit.http.UserIds.MESSAGE);
        }
    }
}
