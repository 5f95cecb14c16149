package io.mnemo.query.db;

import io.mnemo.kit.db.Daos;
import io.mnemo.kit.db.SettingsDao;
import io.mnemo.query.core.ActivityBucket;
import io.mnemo.query.core.ActivityDay;
import io.mnemo.query.core.Cursor;
import io.mnemo.query.core.Granularity;
import io.mnemo.query.core.LogPosition;
import io.mnemo.query.core.MediaObject;
import io.mnemo.query.core.MemoryExport;
import io.mnemo.query.core.MemoryFilter;
import io.mnemo.query.core.MemoryReader;
import io.mnemo.query.core.MemoryView;
import io.mnemo.query.core.Read;
import io.mnemo.query.core.ReadSource;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Reads the projections through the read router, with the query service's read DAOs ({@link MemoriesReadDao},
 * {@link MediaReadDao}, {@link ActivityReadDao}) attached to the handle the router chose.
 */
public final class JdbiMemoryReader implements MemoryReader {
    /** Exports may run for minutes; they stream from a cursor in one read-only transaction. */
    private static final Duration EXPORT_STATEMENT_TIMEOUT = Duration.ofMinutes(30);
    private static final int EXPORT_FETCH_SIZE = 1_000;

    private final ReadRouter router;

    public JdbiMemoryReader(ReadRouter router) {
        this.router = router;
    }

    @Override
    public Read<List<MemoryView>> newestFirst(String tenantId, String userId, MemoryFilter filter,
                                              Optional<Cursor> after, int limit, Optional<LogPosition> atLeast) {
        // a search reads memory_search too, whose sink has its own watermark: it waits for both
        Projection projection = filter.text().isPresent() ? Projection.MEMORY_SEARCH : Projection.MEMORIES;
        return router.readGated(projection, tenantId, userId, atLeast, (handle, watermarks, partition) ->
                MemoriesReadDao.newestFirstWithWatermark(handle, watermarks, partition, tenantId, userId, filter,
                        after, limit));
    }

    @Override
    public Read<Optional<MemoryView>> byId(String tenantId, String userId, UUID memoryId,
                                           Optional<LogPosition> atLeast) {
        return router.read(Projection.MEMORIES, tenantId, userId, atLeast, handle -> Daos.attach(handle,
                MemoriesReadDao.class).byId(tenantId, userId, memoryId));
    }

    @Override
    public Read<Optional<MediaObject>> media(String tenantId, String userId, String mediaId,
                                             Optional<LogPosition> atLeast) {
        // memory_media and media are the media sink's tables: its watermark says whether a new link is there
        return router.read(Projection.MEDIA, tenantId, userId, atLeast, handle -> Daos.attach(handle,
                MediaReadDao.class).find(tenantId, userId, mediaId));
    }

    @Override
    public Read<List<ActivityDay>> activity(String tenantId, String userId, LocalDate from, LocalDate to,
                                            Optional<LogPosition> atLeast) {
        return router.read(Projection.USER_ACTIVITY_DAILY, tenantId, userId, atLeast, handle -> Daos.attach(handle,
                ActivityReadDao.class).ofUser(tenantId, userId, from, to));
    }

    @Override
    public Read<List<ActivityBucket>> tenantActivity(String tenantId, LocalDate from, LocalDate to,
                                                     Granularity granularity) {
        return router.readTenantWide(handle -> Daos.attach(handle, ActivityReadDao.class)
                .ofTenant(granularity.field(), tenantId, from, to));
    }

    @Override
    public MemoryExport export(String tenantId, String userId, Optional<Instant> from, Optional<Instant> to) {
        MemoryFilter filter = new MemoryFilter(from, to, List.of(), Optional.empty());
        ReadRouter.StreamSource source = router.streamSource();
        return new MemoryExport() {
            @Override
            public ReadSource source() {
                return source.kind();
            }

            @Override
            public long forEach(Consumer<MemoryView> sink) {
                return source.jdbi().inTransaction(handle -> {
                    // a cursor (fetch size) needs a transaction; a transaction-local setting ends with it
                    Daos.attach(handle, SettingsDao.class).setForTransaction("statement_timeout",
                            Long.toString(EXPORT_STATEMENT_TIMEOUT.toMillis()));
                    return Daos.attach(handle, MemoriesReadDao.class).forEachNewestFirst(tenantId, userId, filter,
                            EXPORT_FETCH_SIZE, sink);
                });
            }
        };
    }
}
