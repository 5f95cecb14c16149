package io.mnemo.processors.db;

import java.util.Map;
import org.jdbi.v3.sqlobject.config.KeyColumn;
import org.jdbi.v3.sqlobject.config.ValueColumn;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** {@code projection_watermarks} (V8): what read-your-writes compares positions with. */
public interface ProjectionWatermarksDao {
    /** Event-log partition → applied offset of the projection, for partitions 0 to {@code partitions - 1}. */
    @SqlQuery("""
            SELECT partition, applied_offset FROM projection_watermarks
            WHERE projection = :projection AND partition >= 0 AND partition < :partitions""")
    @KeyColumn("partition")
    @ValueColumn("applied_offset")
    Map<Integer, Long> appliedOffsets(@Bind("projection") String projection, @Bind("partitions") int partitions);

    /** To the highest applied offset per partition, in the sink's batch transaction; never backwards. */
    @SqlUpdate("""
            INSERT INTO projection_watermarks (projection, partition, applied_offset, updated_at)
            SELECT :projection, p, o, now()
            FROM unnest(CAST(:partitions AS integer[]), CAST(:offsets AS bigint[])) AS n(p, o)
            ON CONFLICT (projection, partition) DO UPDATE SET
                applied_offset = EXCLUDED.applied_offset, updated_at = now()
            WHERE projection_watermarks.applied_offset < EXCLUDED.applied_offset""")
    void advance(@Bind("projection") String projection, @Bind("partitions") Integer[] partitions,
                 @Bind("offsets") Long[] offsets);
}
