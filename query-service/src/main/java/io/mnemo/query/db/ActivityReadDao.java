package io.mnemo.query.db;

import io.mnemo.query.core.ActivityBucket;
import io.mnemo.query.core.ActivityDay;
import java.time.LocalDate;
import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/** The query service's reads of {@code user_activity_daily}. */
@RegisterConstructorMapper(ActivityDay.class)
@RegisterConstructorMapper(ActivityBucket.class)
public interface ActivityReadDao {
    /** The user's days in [from, to) that have activity, in order. */
    @SqlQuery("""
            SELECT day, memories, media_bytes FROM user_activity_daily
            WHERE tenant_id = :tenantId AND user_id = :userId AND day >= :from AND day < :to
            ORDER BY day
            """)
    List<ActivityDay> ofUser(@Bind("tenantId") String tenantId, @Bind("userId") String userId,
                             @Bind("from") LocalDate from, @Bind("to") LocalDate to);

    /** The tenant's totals in [from, to) per bucket ({@code field}: a date_trunc field), in order. */
    @SqlQuery("""
            SELECT date_trunc(:field, day)::date AS start, sum(memories) AS memories,
                   sum(media_bytes) AS media_bytes, count(DISTINCT user_id) AS active_users
            FROM user_activity_daily
            WHERE tenant_id = :tenantId AND day >= :from AND day < :to
            GROUP BY 1 ORDER BY 1
            """)
    List<ActivityBucket> ofTenant(@Bind("field") String field, @Bind("tenantId") String tenantId,
                                  @Bind("from") LocalDate from, @Bind("to") LocalDate to);
}
