package io.mnemo.processors.db;

import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/** Next offsets per projection and source partition, stored beside the projection's rows. */
public final class ProjectionOffsets {
    private ProjectionOffsets() {
    }

    public static Map<Integer, Long> load(Handle handle, String projection, String topic) {
        Map<Integer, Long> offsets = new HashMap<>();
        handle.createQuery("SELECT partition, next_offset FROM projection_offsets WHERE projection = :projection"
                        + " AND topic = :topic")
                .bind("projection", projection).bind("topic", topic)
                .map((rs, ctx) -> Map.entry(rs.getInt(1), rs.getLong(2)))
                .forEach(e -> offsets.put(e.getKey(), e.getValue()));
        return offsets;
    }

    /**
     * Advances the stored offsets. Never moves one backwards: a fenced-off instance finishing a stale batch
     * after a rebalance must not rewind the new owner (replays rewind explicitly, elsewhere).
     */
    public static void advance(Handle handle, String projection, String topic, Map<Integer, Long> nextOffsets) {
        if (nextOffsets.isEmpty()) {
            return;
        }
        // One statement for every partition of the batch (one round trip, one execution).
        handle.createUpdate("""
                INSERT INTO projection_offsets (projection, topic, partition, next_offset, updated_at)
                SELECT :projection, :topic, p, o, now()
                FROM unnest(CAST(:partitions AS integer[]), CAST(:offsets AS bigint[])) AS n(p, o)
                ON CONFLICT (projection, topic, partition) DO UPDATE
                    SET next_offset = EXCLUDED.next_offset, updated_at = now()
                    WHERE projection_offsets.next_offset < EXCLUDED.next_offset
                """).bind("projection", projection).bind("topic", topic)
                .bindArray("partitions", Integer.class, nextOffsets.keySet().toArray())
                .bindArray("offsets", Long.class, nextOffsets.values().toArray())
                .execute();
    }
}
