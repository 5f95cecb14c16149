package io.mnemo.processors.db;

import java.util.Map;
import org.jdbi.v3.sqlobject.config.KeyColumn;
import org.jdbi.v3.sqlobject.config.ValueColumn;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** {@code projection_offsets} (V2): the next offset per projection, topic and partition, beside the rows. */
public interface ProjectionOffsetsDao {
    @SqlQuery("SELECT partition, next_offset FROM projection_offsets WHERE projection = :projection AND topic = :topic")
    @KeyColumn("partition")
    @ValueColumn("next_offset")
    Map<Integer, Long> nextOffsets(@Bind("projection") String projection, @Bind("topic") String topic);

    /** One statement for every partition of a batch; never moves an offset backwards. */
    @SqlUpdate("""
            INSERT INTO projection_offsets (projection, topic, partition, next_offset, updated_at)
            SELECT :projection, :topic, p, o, now()
            FROM unnest(CAST(:partitions AS integer[]), CAST(:offsets AS bigint[])) AS n(p, o)
            ON CONFLICT (projection, topic, partition) DO UPDATE
                SET next_offset = EXCLUDED.next_offset, updated_at = now()
                WHERE projection_offsets.next_offset < EXCLUDED.next_offset""")
    void advance(@Bind("projection") String projection, @Bind("topic") String topic,
                 @Bind("partitions") Integer[] partitions, @Bind("offsets") Long[] offsets);
}
