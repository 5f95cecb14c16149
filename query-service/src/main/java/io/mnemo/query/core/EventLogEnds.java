package io.mnemo.query.core;

import java.util.OptionalLong;

/**
 * Where the event log ends, per partition: a position at or past a partition's end names an event that does not
 * exist (yet), so a read asking for it is refused at once instead of waiting for the projections.
 */
public interface EventLogEnds {
    /** The event log's partition count. */
    int partitions();

    /**
     * The partition's end offset (the offset its next event will get). When the end last known is not beyond
     * {@code offset} it is read again, by a read that starts after this call began, so a position a write returned
     * a moment ago is never refused. Empty when the log cannot be asked now: the caller then lets the read wait as
     * it would without the check.
     */
    OptionalLong endBeyond(int partition, long offset);
}
