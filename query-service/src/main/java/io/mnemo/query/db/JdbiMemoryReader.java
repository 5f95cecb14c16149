package io.mnemo.query.db;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.query.core.Cursor;
import io.mnemo.query.core.MemoryReader;
import io.mnemo.query.core.MemoryView;
import io.mnemo.query.core.Read;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Reads the memories projection through the replica router. */
public final class JdbiMemoryReader implements MemoryReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> ATTRIBUTES = new TypeReference<>() {
    };

    private static final String COLUMNS = "memory_id, user_id, occurred_at, recorded_at, content, tags, "
            + "attributes::text AS attributes, media_ids, version";
    private static final String FIRST_PAGE = "SELECT " + COLUMNS + " FROM memories"
            + " WHERE tenant_id = :tenantId AND user_id = :userId"
            + " ORDER BY occurred_at DESC, memory_id DESC LIMIT :limit";
    // The redundant upper bound on occurred_at lets the planner prune the newer monthly partitions.
    private static final String NEXT_PAGE = "SELECT " + COLUMNS + " FROM memories"
            + " WHERE tenant_id = :tenantId AND user_id = :userId"
            + " AND occurred_at <= :cursorTime AND (occurred_at, memory_id) < (:cursorTime, :cursorId)"
            + " ORDER BY occurred_at DESC, memory_id DESC LIMIT :limit";

    private final ReplicaRouter router;

    public JdbiMemoryReader(ReplicaRouter router) {
        this.router = router;
    }

    @Override
    public Read<List<MemoryView>> newestFirst(String tenantId, String userId, Optional<Cursor> after, int limit) {
        return router.read(handle -> {
            var query = handle.createQuery(after.isPresent() ? NEXT_PAGE : FIRST_PAGE)
                    .bind("tenantId", tenantId).bind("userId", userId).bind("limit", limit);
            after.ifPresent(cursor -> query.bind("cursorTime", cursor.occurredAt().atOffset(ZoneOffset.UTC))
                    .bind("cursorId", cursor.memoryId()));
            return query.map((rs, ctx) -> view(rs)).list();
        });
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
