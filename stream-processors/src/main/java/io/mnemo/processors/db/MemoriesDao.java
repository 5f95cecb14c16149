package io.mnemo.processors.db;

import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.FetchSize;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/**
 * Reads of {@code memories} by the projection's checks (the reconciler, a dry-run replay), and the creation of its
 * months (V10's {@code mnemo_ensure_memories_month}, in the first schema of the handle's search_path). The sink's
 * writes are {@link MemoriesProjectionWriter}'s.
 */
@RegisterRowMapper(MemoryRow.Mapper.class)
public interface MemoriesDao {
    /** Every row, streamed from a cursor: the caller holds a transaction (pgjdbc buffers everything without one). */
    @SqlQuery("SELECT " + MemoryRow.COLUMNS + " FROM memories")
    @FetchSize(5_000)
    Stream<MemoryRow> all();

    /** The rows (copies included) of the memories {@code (tenants[i], users[i], ids[i])}. */
    @SqlQuery("SELECT " + MemoryRow.COLUMNS + " FROM memories "
            + "WHERE (tenant_id, user_id, memory_id) IN (SELECT * FROM unnest(:tenants, :users, :ids))")
    List<MemoryRow> find(@Bind("tenants") String[] tenants, @Bind("users") String[] users, @Bind("ids") UUID[] ids);

    /** Creates the month of {@code month} with its hash sub-partitions unless it exists; true when it created it. */
    @SqlQuery("SELECT mnemo_ensure_memories_month(:month, :hashPartitions)")
    boolean ensureMonth(@Bind("month") LocalDate month, @Bind("hashPartitions") int hashPartitions);
}
