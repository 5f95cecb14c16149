package io.mnemo.query.db;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.jdbi.v3.core.statement.Query;

/** Reads the projections through the read router. Every statement is fixed text with bound parameters. */
public final class JdbiMemoryReader implements MemoryReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> ATTRIBUTES = new TypeReference<>() {
    };

    private static final String COLUMNS = "m.memory_id, m.user_id, m.occurred_at, m.recorded_at, m.content, m.tags, "
            + "m.attributes::text AS attributes, m.media_ids, m.version";

    static final String BY_ID = "SELECT " + COLUMNS + " FROM memory_locator l JOIN memories m"
            + " ON m.tenant_id = l.tenant_id AND m.user_id = l.user_id AND m.occurred_at = l.occurred_at"
            + " AND m.memory_id = l.memory_id"
            + " WHERE l.tenant_id = :tenantId AND l.user_id = :userId AND l.memory_id = :memoryId AND NOT l.deleted";

    static final String MEDIA = """
            SELECT r.media_id, r.sha256, o.content_type, o.size, o.object_key
            FROM memory_media r JOIN media o ON o.tenant_id = r.tenant_id AND o.sha256 = r.sha256
            WHERE r.tenant_id = :tenantId AND r.user_id = :userId AND r.media_id = :mediaId
            LIMIT 1
            """;

    static final String ACTIVITY = """
            SELECT day, memories, media_bytes FROM user_activity_daily
            WHERE tenant_id = :tenantId AND user_id = :userId AND day >= :from AND day < :to
            ORDER BY day
            """;

    static final String TENANT_ACTIVITY = """
            SELECT date_trunc(:field, day)::date AS bucket, sum(memories) AS memories,
                   sum(media_bytes) AS media_bytes, count(DISTINCT user_id) AS active_users
            FROM user_activity_daily
            WHERE tenant_id = :tenantId AND day >= :from AND day < :to
            GROUP BY 1 ORDER BY 1
            """;

    /** Exports may run for minutes; they stream from a cursor in one read-only transaction. */
    private static final Duration EXPORT_STATEMENT_TIMEOUT = Duration.ofMinutes(30);
    private static final int EXPORT_FETCH_SIZE = 1_000;

    private final ReadRouter router;

    public JdbiMemoryReader(ReadRouter router) {
        this.router = router;
    }

    /**
     * The listing statement for a filter: the redundant upper bound on occurred_at next to the keyset condition
     * lets the planner prune newer monthly partitions.
     */
    static String listing(MemoryFilter filter, boolean afterCursor) {
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS)
                .append(" FROM memories m WHERE m.tenant_id = :tenantId AND m.user_id = :userId");
        filter.from().ifPresent(f -> sql.append(" AND m.occurred_at >= :from"));
        filter.to().ifPresent(t -> sql.append(" AND m.occurred_at < :to"));
        if (!filter.tags().isEmpty()) {
            sql.append(" AND m.tags @> CAST(:tags AS text[])");
        }
        filter.text().ifPresent(q -> sql.append(
                " AND to_tsvector('simple', m.content) @@ plainto_tsquery('simple', :q)"));
        if (afterCursor) {
            sql.append(" AND m.occurred_at <= :cursorTime AND (m.occurred_at, m.memory_id) < (:cursorTime, :cursorId)");
        }
        return sql.append(" ORDER BY m.occurred_at DESC, m.memory_id DESC LIMIT :limit").toString();
    }

    @Override
    public Read<List<MemoryView>> newestFirst(String tenantId, String userId, MemoryFilter filter,
                                              Optional<Cursor> after, int limit, Optional<LogPosition> atLeast) {
        return router.read(Projection.MEMORIES, tenantId, userId, atLeast, handle -> {
            Query query = handle.createQuery(listing(filter, after.isPresent()))
                    .bind("tenantId", tenantId).bind("userId", userId).bind("limit", limit);
            filter.from().ifPresent(f -> query.bind("from", f.atOffset(ZoneOffset.UTC)));
            filter.to().ifPresent(t -> query.bind("to", t.atOffset(ZoneOffset.UTC)));
            if (!filter.tags().isEmpty()) {
                query.bindArray("tags", String.class, filter.tags());
            }
            filter.text().ifPresent(q -> query.bind("q", q));
            after.ifPresent(cursor -> query.bind("cursorTime", cursor.occurredAt().atOffset(ZoneOffset.UTC))
                    .bind("cursorId", cursor.memoryId()));
            return query.map((rs, ctx) -> view(rs)).list();
        });
    }

    @Override
    public Read<Optional<MemoryView>> byId(String tenantId, String userId, UUID memoryId,
                                           Optional<LogPosition> atLeast) {
        return router.read(Projection.MEMORIES, tenantId, userId, atLeast, handle -> handle.createQuery(BY_ID)
                .bind("tenantId", tenantId).bind("userId", userId).bind("memoryId", memoryId)
                .map((rs, ctx) -> view(rs)).findOne());
    }

    @Override
    public Read<Optional<MediaObject>> media(String tenantId, String userId, String mediaId,
                                             Optional<LogPosition> atLeast) {
        // memory_media and media are the media sink's tables: its watermark says whether a new link is there
        return router.read(Projection.MEDIA, tenantId, userId, atLeast, handle -> handle.createQuery(MEDIA)
                .bind("tenantId", tenantId).bind("userId", userId).bind("mediaId", mediaId)
                .map((rs, ctx) -> new MediaObject(rs.getString("media_id"), rs.getString("sha256"),
                        rs.getString("content_type"), rs.getLong("size"), rs.getString("object_key")))
                .findOne());
    }

    @Override
    public Read<List<ActivityDay>> activity(String tenantId, String userId, LocalDate from, LocalDate to,
                                            Optional<LogPosition> atLeast) {
        return router.read(Projection.USER_ACTIVITY_DAILY, tenantId, userId, atLeast, handle -> handle
                .createQuery(ACTIVITY)
                .bind("tenantId", tenantId).bind("userId", userId).bind("from", from).bind("to", to)
                .map((rs, ctx) -> new ActivityDay(rs.getObject("day", LocalDate.class), rs.getLong("memories"),
                        rs.getLong("media_bytes")))
                .list());
    }

    @Override
    public Read<List<ActivityBucket>> tenantActivity(String tenantId, LocalDate from, LocalDate to,
                                                     Granularity granularity) {
        return router.readTenantWide(handle -> handle.createQuery(TENANT_ACTIVITY)
                .bind("field", granularity.field()).bind("tenantId", tenantId).bind("from", from).bind("to", to)
                .map((rs, ctx) -> new ActivityBucket(rs.getObject("bucket", LocalDate.class), rs.getLong("memories"),
                        rs.getLong("media_bytes"), rs.getLong("active_users")))
                .list());
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
                    // a cursor (fetch size) needs a transaction; SET LOCAL ends with it
                    handle.execute("SET LOCAL statement_timeout = " + EXPORT_STATEMENT_TIMEOUT.toMillis());
                    Query query = handle.createQuery(listing(filter, false).replace(" LIMIT :limit", ""))
                            .bind("tenantId", tenantId).bind("userId", userId).setFetchSize(EXPORT_FETCH_SIZE);
                    filter.from().ifPresent(f -> query.bind("from", f.atOffset(ZoneOffset.UTC)));
                    filter.to().ifPresent(t -> query.bind("to", t.atOffset(ZoneOffset.UTC)));
                    long[] count = {0};
                    query.map((rs, ctx) -> view(rs)).useIterator(rows -> rows.forEachRemaining(view -> {
                        sink.accept(view);
                        count[0]++;
                    }));
                    return count[0];
                });
            }
        };
    }

    static MemoryView view(ResultSet rs) throws SQLException {
        return new MemoryView(rs.getObject("memory_id", UUID.class), rs.getString("user_id"),
                rs.getObject("occurred_at", OffsetDateTime.class).toInstant(),
                rs.getObject("recorded_at", OffsetDateTime.class).toInstant(), rs.getString("content"),
                strings(rs.getArray("tags")), attributes(rs.getString("attributes")),
                strings(rs.getArray("media_ids")), rs.getLong("version"));
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }

    private static Map<String, String> attributes(String json) {
        try {
            return json == null ? Map.of() : JSON.readValue(json, ATTRIBUTES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
