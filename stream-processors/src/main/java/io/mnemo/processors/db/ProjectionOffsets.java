package io.mnemo.processors.db;

import java.util.HashMap;
import java.util.Map;
import io.mnemo.kit.db.Daos;
import org.jdbi.v3.core.Handle;

/** Next offsets per projection and source partition, stored beside the projection's rows (SQL in the DAO). */
public final class ProjectionOffsets {
    private ProjectionOffsets() {
    }

    public static Map<Integer, Long> load(Handle handle, String projection, String topic) {
        return new HashMap<>(Daos.attach(handle, ProjectionOffsetsDao.class).nextOffsets(projection, topic));
    }

    /**
     * Advances the stored offsets. Never moves one backwards: a fenced-off instance finishing a stale batch
     * after a rebalance must not rewind the new owner (replays rewind explicitly, elsewhere).
     */
    public static void advance(Handle handle, String projection, String topic, Map<Integer, Long> nextOffsets) {
        if (nextOffsets.isEmpty()) {
            return;
        }
        Daos.attach(handle, ProjectionOffsetsDao.class).advance(projection, topic,
                nextOffsets.keySet().toArray(Integer[]::new), nextOffsets.values().toArray(Long[]::new));
    }
}
