package io.mnemo.processors.db;

import java.util.Map;
import org.jdbi.v3.sqlobject.config.KeyColumn;
import org.jdbi.v3.sqlobject.config.ValueColumn;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/** Reads of {@code projection_watermarks} (V8) for reports; the sinks advance it through {@link Watermarks}. */
public interface ProjectionWatermarksDao {
    /** Event-log partition → applied offset of the projection, for partitions 0 to {@code partitions - 1}. */
    @SqlQuery("""
            SELECT partition, applied_offset FROM projection_watermarks
            WHERE projection = :projection AND partition >= 0 AND partition < :partitions""")
    @KeyColumn("partition")
    @ValueColumn("applied_offset")
    Map<Integer, Long> appliedOffsets(@Bind("projection") String projection, @Bind("partitions") int partitions);
}
