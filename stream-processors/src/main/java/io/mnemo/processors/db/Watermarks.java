package io.mnemo.processors.db;

import java.util.Map;
import io.mnemo.kit.db.Daos;
import org.jdbi.v3.core.Handle;

/**
 * {@code projection_watermarks}: per event-log partition, the offset up to which a projection reflects every
 * event. Advanced in the sink's batch transaction, only forward (a replay of older changes leaves it alone).
 */
public final class Watermarks {
    private Watermarks() {
    }

    public static void advance(Handle transaction, String projection, Map<Integer, Long> appliedOffsets) {
        if (appliedOffsets.isEmpty()) {
            return;
        }
        Daos.attach(transaction, ProjectionWatermarksDao.class).advance(projection,
                appliedOffsets.keySet().toArray(Integer[]::new), appliedOffsets.values().toArray(Long[]::new));
    }
}
