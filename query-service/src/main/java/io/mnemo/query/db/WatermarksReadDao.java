package io.mnemo.query.db;

import java.util.Optional;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/** The query service's read of {@code projection_watermarks}, which gates reads that must reflect a position. */
public interface WatermarksReadDao {
    /** The offset up to which {@code projection} reflects every event of the event-log partition, if any. */
    @SqlQuery("""
            SELECT applied_offset FROM projection_watermarks WHERE projection = :projection AND partition = :partition
            """)
    Optional<Long> appliedOffset(@Bind("projection") String projection, @Bind("partition") int partition);
}
