package io.mnemo.processors.db;

import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * The locks Mnemo's writers coordinate with. Advisory ones, by name: one maintenance operation per projection
 * ({@link MaintenanceLock}), the write fence of a projection ({@link ProjectionFence}) and the creation of memories
 * months (the transaction-level ones return {@code true} once held); and the table locks a backup takes.
 */
public interface LocksDao {
    /** Session-level: true when this session now holds the projection's maintenance lock. */
    @SqlQuery("SELECT pg_try_advisory_lock(hashtext('mnemo-maintenance:' || :projection))")
    boolean tryMaintenanceLock(@Bind("projection") String projection);

    /** Whether any session of this database holds the projection's maintenance lock. */
    @SqlQuery("""
            SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted
                             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                             AND ((classid::bigint << 32) | objid::bigint)
                                 = hashtext('mnemo-maintenance:' || :projection)::bigint)""")
    boolean maintenanceLockHeld(@Bind("projection") String projection);

    /**
     * Shared, until the transaction ends: the fence of the projection in the schema its table (named like the
     * projection) resolves to through search_path, i.e. where this transaction's writes will land.
     */
    @SqlQuery("""
            SELECT true FROM pg_advisory_xact_lock_shared(hashtext('mnemo-fence:'
                || coalesce((SELECT relnamespace::regnamespace::text FROM pg_class
                             WHERE oid = to_regclass(:projection)), current_schema())
                || ':' || :projection))""")
    boolean enterFence(@Bind("projection") String projection);

    /** Exclusive, until the transaction ends: the fence of the projection's writers into {@code schema}. */
    @SqlQuery("SELECT true FROM pg_advisory_xact_lock(hashtext('mnemo-fence:' || :schema || ':' || :projection))")
    boolean closeFence(@Bind("schema") String schema, @Bind("projection") String projection);

    /**
     * ACCESS SHARE on the memories projection's tables and the bookkeeping beside them, in the order a rebuild's
     * swap locks them, until the transaction ends: taken before a backup's snapshot, so no swap slips in between.
     */
    @SqlUpdate("LOCK TABLE public.memory_locator, public.memories, public.projection_offsets, "
            + "public.projection_watermarks IN ACCESS SHARE MODE")
    void lockProjectionForSnapshot();

    /** Exclusive, until the transaction ends: no memories month is created meanwhile (mnemo_ensure_memories_month). */
    @SqlQuery("SELECT true FROM pg_advisory_xact_lock(hashtext('mnemo_ensure_memories_month'))")
    boolean holdMonthCreation();
}
