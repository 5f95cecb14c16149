package io.mnemo.processors.db;

import org.jdbi.v3.core.Handle;

/**
 * {@code projection_maintenance} (V10): the replay or rebuild of a projection that runs or ran last, as
 * {@code mnemo status} shows it. A new run after a finished one starts a fresh row.
 */
public final class ProjectionMaintenance {
    private static final String RECORD = """
            INSERT INTO projection_maintenance (projection, operation, phase, schema_name, records_done,
                                                records_total, detail, started_at, updated_at, finished_at)
            VALUES (:p, :operation, :phase, :schema, :done, :total, :detail, now(), now(),
                    CASE WHEN :finished THEN now() END)
            ON CONFLICT (projection, operation) DO UPDATE SET
                phase = EXCLUDED.phase, schema_name = EXCLUDED.schema_name,
                records_done = EXCLUDED.records_done, records_total = EXCLUDED.records_total,
                detail = EXCLUDED.detail, updated_at = now(), finished_at = EXCLUDED.finished_at,
                started_at = CASE WHEN projection_maintenance.finished_at IS NOT NULL
                                  THEN now() ELSE projection_maintenance.started_at END""";

    private ProjectionMaintenance() {
    }

    /** The operation's phase and progress; {@code finished} ends the run (its time is kept until the next one). */
    public static void record(Handle handle, String projection, String operation, String phase, String schema,
                              long done, Long total, String detail, boolean finished) {
        handle.createUpdate(RECORD).bind("p", projection).bind("operation", operation).bind("phase", phase)
                .bind("schema", schema).bind("done", done).bind("total", total).bind("detail", detail)
                .bind("finished", finished).execute();
    }

    /** Records applied so far, between phases. */
    public static void progress(Handle handle, String projection, String operation, long done) {
        handle.createUpdate("UPDATE projection_maintenance SET records_done = :done, updated_at = now() "
                        + "WHERE projection = :p AND operation = :operation")
                .bind("p", projection).bind("operation", operation).bind("done", done).execute();
    }

    /** Replaces the detail only (the phase and times stay). */
    public static void detail(Handle handle, String projection, String operation, String detail) {
        handle.createUpdate("UPDATE projection_maintenance SET detail = :d WHERE projection = :p "
                        + "AND operation = :operation")
                .bind("d", detail).bind("p", projection).bind("operation", operation).execute();
    }
}
