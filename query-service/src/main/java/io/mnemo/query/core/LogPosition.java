package io.mnemo.query.core;

/**
 * A position in {@code mnemo.memory-events.v1}, {@code partition:offset}: what ingest returns for a write and
 * what the query service reports for a read, in {@code X-Mnemo-Position}.
 */
public record LogPosition(int partition, long offset) {
    public static final String HEADER = "X-Mnemo-Position";

    /** Parses {@code partition:offset}; anything else is an {@link InvalidQuery} naming the header. */
    public static LogPosition parse(String text) {
        int colon = text.indexOf(':');
        try {
            if (colon > 0) {
                int partition = Integer.parseInt(text.substring(0, colon).trim());
                long offset = Long.parseLong(text.substring(colon + 1).trim());
                if (partition >= 0 && offset >= 0) {
                    return new LogPosition(partition, offset);
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidQuery(HEADER, "must be partition:offset as returned by ingest, e.g. 3:1042");
    }

    @Override
    public String toString() {
        return partition + ":" + offset;
    }
}
