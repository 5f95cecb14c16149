package io.mnemo.processors.db;

import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * {@code projection_watermarks}: per event-log partition, the offset up to which a projection reflects every
 * event. Advanced in the sink's batch transaction, only forward (a replay of older changes leaves it alone).
 */
public final class Watermarks {
    static final String ADVANCE = """
            INSERT INTO projection_watermarks (projection, partition, applied_offset, updated_at)
            SELECT :projection, p, o, now()
            FROM unnest(CAST(:partitions AS integer[]), CAST(:offsets AS bigint[])) AS n(p, o)
            ON CONFLICT (projection, partition) DO UPDATE SET
                applied_offset = EXCLUDED.applied_offset, updated_at = now()
            WHERE projection_watermarks.applied_offset < EXCLUDED.applied_offset
            """;

    private Watermarks() {
    }

    public static void advance(Handle transaction, String projection, Map<Integer, Long> appliedOffsets) {
        if (appliedOffsets.isEmpty()) {
            return;
        }
        transaction.createUpdate(ADVANCE).bind("projection", projection)
                .bindArray("partitions", Integer.class, appliedOffsets.keySet().toArray())
                .bindArray("offsets", Long.class, appliedOffsets.values().toArray())
                .execute();
    }
}
