package io.mnemo.ingest.core;

/**
 * Where an accepted event sits in the event log: partition and offset. Rendered as {@code "p:o"}, the
 * {@code position} clients hand back for read-your-writes.
 */
public record LogPosition(int partition, long offset) {
    @Override
    public String toString() {
        return partition + ":" + offset;
    }
}
