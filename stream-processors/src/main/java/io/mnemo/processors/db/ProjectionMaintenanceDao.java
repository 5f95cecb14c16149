package io.mnemo.processors.db;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterArgumentFactory;
import org.jdbi.v3.sqlobject.config.RegisterColumnMapperFactory;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * {@code projection_maintenance} (V10, V11): the replay or rebuild of each projection that runs or ran last, as
 * {@code mnemo status} shows it and an interrupted rebuild finds it. A new run after a finished one starts a fresh
 * row. Phases and the old copy's fate are bound and read as their enums.
 */
@RegisterArgumentFactory(Labelled.Arguments.class)
@RegisterColumnMapperFactory(Labelled.Columns.class)
@RegisterConstructorMapper(MaintenanceRun.class)
public interface ProjectionMaintenanceDao {
    /** The run's phase and progress; a phase that ends the run stamps its end (kept until the next run). */
    default void record(String projection, MaintenancePhase phase, String schema, long done, Long total,
                        String detail) {
        upsert(projection, phase.operation(), phase, schema, done, total, detail, null, phase.ends());
    }

    /** A rebuild swapped: the replaced tables are in {@code oldSchema}, kept or to be dropped. */
    default void recordSwap(String projection, String oldSchema, OldCopy oldCopy, long done, String verdict) {
        upsert(projection, MaintenanceOperation.REBUILD, MaintenancePhase.SWAPPED, oldSchema, done, done, verdict,
                oldCopy, true);
    }

    @SqlUpdate("""
            INSERT INTO projection_maintenance (projection, operation, phase, schema_name, records_done,
                                                records_total, detail, old_copy, started_at, updated_at, finished_at)
            VALUES (:projection, :operation, :phase, :schema, :done, :total, :detail, :oldCopy, now(), now(),
                    CASE WHEN :finished THEN now() END)
            ON CONFLICT (projection, operation) DO UPDATE SET
                phase = EXCLUDED.phase, schema_name = EXCLUDED.schema_name,
                records_done = EXCLUDED.records_done, records_total = EXCLUDED.records_total,
                detail = EXCLUDED.detail, old_copy = EXCLUDED.old_copy, updated_at = now(),
                finished_at = EXCLUDED.finished_at,
                started_at = CASE WHEN projection_maintenance.finished_at IS NOT NULL
                                  THEN now() ELSE projection_maintenance.started_at END""")
    void upsert(@Bind("projection") String projection, @Bind("operation") MaintenanceOperation operation,
                @Bind("phase") MaintenancePhase phase, @Bind("schema") String schema, @Bind("done") long done,
                @Bind("total") Long total, @Bind("detail") String detail, @Bind("oldCopy") OldCopy oldCopy,
                @Bind("finished") boolean finished);

    /** Records applied so far, between phases. */
    @SqlUpdate("""
            UPDATE projection_maintenance SET records_done = :done, updated_at = now()
            WHERE projection = :projection AND operation = :operation""")
    void progress(@Bind("projection") String projection, @Bind("operation") MaintenanceOperation operation,
                  @Bind("done") long done);

    /** What became of the tables the projection's last swap replaced (a swapped rebuild's row only). */
    @SqlUpdate("UPDATE projection_maintenance SET old_copy = :oldCopy WHERE projection = :projection "
            + "AND old_copy IS NOT NULL")
    void oldCopy(@Bind("projection") String projection, @Bind("oldCopy") OldCopy oldCopy);

    @SqlQuery("""
            SELECT projection, operation, phase, schema_name, records_done, records_total, detail, old_copy,
                   started_at, updated_at, finished_at
            FROM projection_maintenance WHERE projection = :projection AND operation = :operation""")
    Optional<MaintenanceRun> find(@Bind("projection") String projection,
                                  @Bind("operation") MaintenanceOperation operation);

    /** Every projection's runs, by projection and operation. */
    @SqlQuery("""
            SELECT projection, operation, phase, schema_name, records_done, records_total, detail, old_copy,
                   started_at, updated_at, finished_at
            FROM projection_maintenance ORDER BY projection, operation""")
    List<MaintenanceRun> all();
}
