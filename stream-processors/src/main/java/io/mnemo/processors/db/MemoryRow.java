package io.mnemo.processors.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * A row of {@code memories} as the checks read it (the reconciler, a dry-run replay): the memory's data and
 * version, without the sink's bookkeeping. {@code attributes} is the JSON text of the column.
 */
public record MemoryRow(String tenantId, String userId, String memoryId, Instant occurredAt, String content,
                        List<String> tags, String attributes, List<String> mediaIds, long version) {
    /** The columns {@link Mapper} reads, in a statement over {@code memories}. */
    static final String COLUMNS = "tenant_id, user_id, memory_id::text AS memory_id, occurred_at, content, tags, "
            + "attributes::text AS attributes, media_ids, version";

    /** Reads {@link #COLUMNS}. */
    public static final class Mapper implements RowMapper<MemoryRow> {
        @Override
        public MemoryRow map(ResultSet rs, StatementContext ctx) throws SQLException {
            return new MemoryRow(rs.getString("tenant_id"), rs.getString("user_id"), rs.getString("memory_id"),
                    rs.getTimestamp("occurred_at").toInstant(), rs.getString("content"),
                    List.of((String[]) rs.getArray("tags").getArray()), rs.getString("attributes"),
                    List.of((String[]) rs.getArray("media_ids").getArray()), rs.getLong("version"));
        }
    }
}
