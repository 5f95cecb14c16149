package io.mnemo.processors.sink;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleConsumer;
import org.jdbi.v3.core.Jdbi;

/**
 * A sink thread's own connection, kept from one batch to the next instead of borrowed from the pool for each: the
 * DAOs attached to it are built once (see {@code Daos}), and a batch costs no pool round. After any failure the
 * connection is closed and the next batch opens a fresh one, so a broken connection is never reused. Used by one
 * thread only.
 */
final class SinkConnection implements ProjectionBatchApplier.Transactions, AutoCloseable {
    private final Jdbi jdbi;
    private Handle handle;

    SinkConnection(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void run(HandleConsumer<RuntimeException> work) {
        if (handle == null) {
            handle = jdbi.open();
        }
        try {
            handle.useTransaction(work);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        Handle open = handle;
        handle = null;
        if (open != null) {
            try {
                open.close();
            } catch (RuntimeException e) {
                // The connection is gone either way; the failure that brought us here is what matters.
            }
        }
    }
}
