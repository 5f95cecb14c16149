package io.mnemo.processors.db;

import io.mnemo.kit.db.Daos;
import org.jdbi.v3.core.Handle;

/**
 * The gate every write to a projection's tables passes: each writing transaction first takes a shared
 * transaction-level advisory lock named after the projection and the schema it writes to; a rebuild's swap takes
 * the same lock exclusively, so while it holds it no live write is half done and none can start. Writers into a
 * rebuild's candidate schema pass a different gate (the schema is part of the name) and are never held up.
 */
public final class ProjectionFence {
    private ProjectionFence() {
    }

    /**
     * First statement of a writing transaction; waits while a swap of this projection is in progress. The schema
     * is the one the projection's table (named like the projection) resolves to through search_path, i.e. where
     * this transaction's writes will land, whatever schemas precede it.
     */
    public static void enter(Handle transaction, String projection) {
        Daos.attach(transaction, LocksDao.class).enterFence(projection);
    }

    /**
     * Closes the gate until the transaction ends, once every write that passed it has committed or rolled back.
     * {@code schema} is the schema whose writers are held (the live one).
     */
    public static void close(Handle transaction, String schema, String projection) {
        Daos.attach(transaction, LocksDao.class).closeFence(schema, projection);
    }
}
