package io.mnemo.query.db;

import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The query service's read of {@code projection_watermarks}, which gates reads that must reflect a position. */
public final class WatermarksReadDao {
    /**
     * The offset up to which {@code :projection} reflects every event of the event-log partition {@code :partition}:
     * a scalar subquery, so that a statement can read it in the same snapshot as its rows.
     */
    static final String APPLIED_OFFSET = "SELECT applied_offset FROM projection_watermarks"
            + " WHERE projection = :projection AND partition = :partition";

    private WatermarksReadDao() {
    }

    /** The watermark alone, for reads whose statement does not carry it (a statement of its own). */
    static Optional<Long> appliedOffset(Handle handle, String projection, int partition) {
        return handle.createQuery(APPLIED_OFFSET).bind("projection", projection).bind("partition", partition)
                .mapTo(Long.class).findOne();
    }
}
