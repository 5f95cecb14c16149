package io.mnemo.query.db;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;

/** The query service's read of {@code projection_watermarks}, which gates reads that must reflect a position. */
public final class WatermarksReadDao {
    /**
     * The offset up to which {@code :projection} reflects every event of the event-log partition {@code :partition}:
     * a scalar subquery, so that a statement can read it in the same snapshot as its rows.
     */
    static final String APPLIED_OFFSET = "SELECT applied_offset FROM projection_watermarks"
            + " WHERE projection = :projection AND partition = :partition";
    /**
     * The lower of the watermarks of {@code :projection} and {@code :alsoProjection} for {@code :partition}, NULL
     * unless both exist: what a read of both projections' tables reflects.
     */
    static final String LOWER_APPLIED_OFFSET = "SELECT CASE WHEN count(*) = 2 THEN min(applied_offset) END"
            + " FROM projection_watermarks WHERE projection IN (:projection, :alsoProjection)"
            + " AND partition = :partition";

    private WatermarksReadDao() {
    }

    /** The scalar subquery for a read of these projections (one or two names). */
    static String appliedOffset(List<String> watermarkNames) {
        return switch (watermarkNames.size()) {
            case 1 -> APPLIED_OFFSET;
            case 2 -> LOWER_APPLIED_OFFSET;
            default -> throw new IllegalArgumentException("one or two projections, not " + watermarkNames);
        };
    }

    /** Binds what {@link #appliedOffset(List)} names. */
    static <S extends SqlStatement<S>> S bind(S statement, List<String> watermarkNames, int partition) {
        statement.bind("projection", watermarkNames.get(0)).bind("partition", partition);
        if (watermarkNames.size() > 1) {
            statement.bind("alsoProjection", watermarkNames.get(1));
        }
        return statement;
    }

    /** The watermark alone, for reads whose statement does not carry it (a statement of its own). */
    static Optional<Long> appliedOffset(Handle handle, List<String> watermarkNames, int partition) {
        return bind(handle.createQuery(appliedOffset(watermarkNames)), watermarkNames, partition)
                .mapTo(Long.class).findOne();
    }
}
