package io.mnemo.query.core;

import java.util.function.Consumer;

/**
 * A streaming export already bound to the source that will serve it (so the response can name it before the
 * first byte): {@link #forEach} reads the rows one at a time, never holding them all.
 */
public interface MemoryExport extends AutoCloseable {
    ReadSource source();

    /** Streams every memory of the export, newest first, to {@code sink}; returns how many. */
    long forEach(Consumer<MemoryView> sink);

    /** Releases what the export holds if {@link #forEach} never ran (or did not finish); idempotent. */
    @Override
    default void close() {
    }
}
