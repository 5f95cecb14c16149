package io.mnemo.processors.db;

import io.mnemo.kit.db.Daos;
import org.jdbi.v3.core.Handle;

/**
 * One maintenance operation (replay or rebuild) per projection at a time: a session-level advisory lock held by
 * the operator command for as long as it runs, released by Postgres if the command dies.
 */
public final class MaintenanceLock {
    private MaintenanceLock() {
    }

    /** True when this session now holds the lock; false when another session does. */
    public static boolean tryAcquire(Handle session, String projection) {
        return Daos.attach(session, LocksDao.class).tryMaintenanceLock(projection);
    }

    /** Whether any session holds the lock of this projection (for status reports). */
    public static boolean isHeld(Handle handle, String projection) {
        return Daos.attach(handle, LocksDao.class).maintenanceLockHeld(projection);
    }
}
