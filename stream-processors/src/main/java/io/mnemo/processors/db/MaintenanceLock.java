package io.mnemo.processors.db;

import org.jdbi.v3.core.Handle;

/**
 * One maintenance operation (replay or rebuild) per projection at a time: a session-level advisory lock held by
 * the operator command for as long as it runs, released by Postgres if the command dies.
 */
public final class MaintenanceLock {
    private static final String KEY = "hashtext('mnemo-maintenance:' || :projection)";

    private MaintenanceLock() {
    }

    /** True when this session now holds the lock; false when another session does. */
    public static boolean tryAcquire(Handle session, String projection) {
        return session.createQuery("SELECT pg_try_advisory_lock(" + KEY + ")").bind("projection", projection)
                .mapTo(Boolean.class).one();
    }

    /** Whether any session holds the lock of this projection (for status reports). */
    public static boolean isHeld(Handle handle, String projection) {
        return handle.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted
                                         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                                         AND ((classid::bigint << 32) | objid::bigint) = %s::bigint)""".formatted(KEY))
                .bind("projection", projection).mapTo(Boolean.class).one();
    }
}
