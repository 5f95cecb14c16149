package io.mnemo.query.db;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.query.core.Cursor;
import io.mnemo.query.core.MemoryFilter;
import io.mnemo.query.core.MemoryView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.sqlobject.SqlObject;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/**
 * The query service's reads of {@code memories} (and {@code memory_locator}, which finds a memory by id, and
 * {@code memory_search}, whose words a search matches). The
 * listing's statement depends on the filter, so it is built here rather than annotated; its text is still fixed
 * per filter shape, with every value bound.
 */
@RegisterRowMapper(MemoriesReadDao.ViewMapper.class)
public interface MemoriesReadDao extends SqlObject {
    String COLUMNS = "m.memory_id, m.user_id, m.occurred_at, m.recorded_at, m.content, m.tags, "
            + "m.attributes::text AS attributes, m.media_ids, m.version";

    @SqlQuery("SELECT " + COLUMNS + " FROM memory_locator l JOIN memories m"
            + " ON m.tenant_id = l.tenant_id AND m.user_id = l.user_id AND m.occurred_at = l.occurred_at"
            + " AND m.memory_id = l.memory_id"
            + " WHERE l.tenant_id = :tenantId AND l.user_id = :userId AND l.memory_id = :memoryId AND NOT l.deleted")
    Optional<MemoryView> byId(@Bind("tenantId") String tenantId, @Bind("userId") String userId,
                              @Bind("memoryId") UUID memoryId);

    /**
     * One page of the user's memories matching the filter, newest first, after the cursor when given, and the
     * watermark {@code watermarkName} of the event-log partition {@code partition}, read by the same statement
     * (one round trip, one snapshot: the rows reflect exactly the watermark returned). A static method on the
     * handle, not a SqlObject method: the hot path attaches no proxy per request.
     */
    static Gated<List<MemoryView>> newestFirstWithWatermark(Handle handle, String watermarkName, int partition,
                                                           String tenantId, String userId, MemoryFilter filter,
                                                           Optional<Cursor> after, int limit) {
        return newestFirstWithWatermark(handle, List.of(watermarkName), partition, tenantId, userId, filter, after,
                limit);
    }

    /**
     * As above, gated on the lower of the watermarks named (a search names memories and memory_search: its words
     * come from one, its rows from the other).
     */
    static Gated<List<MemoryView>> newestFirstWithWatermark(Handle handle, List<String> watermarkNames, int partition,
                                                           String tenantId, String userId, MemoryFilter filter,
                                                           Optional<Cursor> after, int limit) {
        Query query = WatermarksReadDao.bind(handle.createQuery(pageWithWatermark(filter, after.isPresent(),
                watermarkNames.size())), watermarkNames, partition).bind("limit", limit);
        bindFilter(query, tenantId, userId, filter);
        after.ifPresent(cursor -> query.bind("cursorTime", cursor.occurredAt().atOffset(ZoneOffset.UTC))
                .bind("cursorId", cursor.memoryId()));
        return query.scanResultSet((supplier, ctx) -> {
            // the driver's own result set: the pool's reflective proxy around it cost more per page than the rows
            // (≈15 % of the service's CPU in the profile, docs/performance.md)
            ResultSet rs = supplier.get().unwrap(ResultSet.class);
            List<MemoryView> rows = new ArrayList<>(limit);
            Long watermark = null;
            while (rs.next()) {
                long offset = rs.getLong("watermark");
                watermark = rs.wasNull() ? null : offset;
                if (rs.getObject("memory_id") != null) {
                    rows.add(ViewMapper.INSTANCE.map(rs, ctx));
                }
            }
            return new Gated<>(rows, Optional.ofNullable(watermark));
        });
    }

    /**
     * {@link #listing} of one page joined to the projection's watermark: always at least one row (the watermark,
     * with nulls for the memory when the page is empty).
     */
    static String pageWithWatermark(MemoryFilter filter, boolean afterCursor) {
        return pageWithWatermark(filter, afterCursor, 1);
    }

    /** {@link #pageWithWatermark(MemoryFilter, boolean)} gated on {@code watermarks} (1 or 2) projections. */
    static String pageWithWatermark(MemoryFilter filter, boolean afterCursor, int watermarks) {
        return "SELECT w.applied_offset AS watermark, p.* FROM (SELECT ("
                + WatermarksReadDao.appliedOffset(watermarks == 1 ? List.of("a") : List.of("a", "b"))
                + ") AS applied_offset) w LEFT JOIN LATERAL (" + listing(filter, afterCursor, true) + ") p ON true"
                + " ORDER BY p.occurred_at DESC, p.memory_id DESC";
    }

    /**
     * Every memory of the user matching the filter, newest first, handed to {@code sink} as it is read from a
     * cursor of {@code fetchSize} rows (the caller holds a transaction: a cursor needs one). Returns how many.
     */
    default long forEachNewestFirst(String tenantId, String userId, MemoryFilter filter, int fetchSize,
                                    Consumer<MemoryView> sink) {
        Query query = getHandle().createQuery(listing(filter, false, false)).setFetchSize(fetchSize);
        bindFilter(query, tenantId, userId, filter);
        long[] count = {0};
        query.map(ViewMapper.INSTANCE).useIterator(rows -> rows.forEachRemaining(view -> {
            sink.accept(view);
            count[0]++;
        }));
        return count[0];
    }

    /**
     * The listing statement for a filter: the redundant upper bound on occurred_at next to the keyset condition
     * lets the planner prune newer monthly partitions.
     *
     * <p>A search ({@code q}) finds the words in {@code memory_search} (its own projection and GIN index) and the
     * rows through {@code memory_locator}, by memory id, so the same filters, order and keyset apply to the rows.
     * The two projections' sinks run apart: where the words reflect another version than the row, the row's own
     * content is matched instead ({@code to_tsvector} on that row only), so a hit always matches the content it
     * returns; a row newer than the words it was indexed under is found once the search sink has caught up.
     */
    static String listing(MemoryFilter filter, boolean afterCursor, boolean limited) {
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS);
        if (filter.text().isPresent()) {
            sql.append(" FROM memory_search s"
                    + " JOIN memory_locator l ON l.tenant_id = s.tenant_id AND l.user_id = s.user_id"
                    + " AND l.memory_id = s.memory_id AND NOT l.deleted"
                    + " JOIN memories m ON m.tenant_id = l.tenant_id AND m.user_id = l.user_id"
                    + " AND m.occurred_at = l.occurred_at AND m.memory_id = l.memory_id"
                    + " WHERE s.tenant_id = :tenantId AND s.user_id = :userId"
                    + " AND s.words @@ plainto_tsquery('simple', :q)"
                    + " AND (s.version = m.version"
                    + " OR to_tsvector('simple', m.content) @@ plainto_tsquery('simple', :q))"
                    + " AND m.tenant_id = :tenantId AND m.user_id = :userId");
        } else {
            sql.append(" FROM memories m WHERE m.tenant_id = :tenantId AND m.user_id = :userId");
        }
        filter.from().ifPresent(f -> sql.append(" AND m.occurred_at >= :from"));
        filter.to().ifPresent(t -> sql.append(" AND m.occurred_at < :to"));
        if (!filter.tags().isEmpty()) {
            sql.append(" AND m.tags @> CAST(:tags AS text[])");
        }
        if (afterCursor) {
            sql.append(" AND m.occurred_at <= :cursorTime AND (m.occurred_at, m.memory_id) < (:cursorTime, :cursorId)");
        }
        sql.append(" ORDER BY m.occurred_at DESC, m.memory_id DESC");
        return limited ? sql.append(" LIMIT :limit").toString() : sql.toString();
    }

    private static void bindFilter(Query query, String tenantId, String userId, MemoryFilter filter) {
        query.bind("tenantId", tenantId).bind("userId", userId);
        filter.from().ifPresent(f -> query.bind("from", f.atOffset(ZoneOffset.UTC)));
        filter.to().ifPresent(t -> query.bind("to", t.atOffset(ZoneOffset.UTC)));
        if (!filter.tags().isEmpty()) {
            query.bindArray("tags", String.class, filter.tags());
        }
        filter.text().ifPresent(q -> query.bind("q", q));
    }

    /** A row of {@link #COLUMNS} as a {@link MemoryView}. */
    final class ViewMapper implements RowMapper<MemoryView> {
        static final ViewMapper INSTANCE = new ViewMapper();
        private static final ObjectMapper JSON = new ObjectMapper();
        private static final TypeReference<Map<String, String>> ATTRIBUTES = new TypeReference<>() {
        };

        @Override
        public MemoryView map(ResultSet rs, StatementContext ctx) throws SQLException {
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
                // most memories have none: skip the parser for the column's default
                return json == null || json.equals("{}") ? Map.of() : JSON.readValue(json, ATTRIBUTES);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
