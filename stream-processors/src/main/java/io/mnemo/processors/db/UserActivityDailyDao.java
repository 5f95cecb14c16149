package io.mnemo.processors.db;

import java.time.LocalDate;
import java.util.List;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;

/**
 * {@code user_activity_daily} (V5): absolute per-day totals, overwritten only by a value from a later source
 * offset, deleted when the day fell back to zero (only by a later offset too).
 */
public interface UserActivityDailyDao {
    /** One user's day as the activity sink writes it. */
    record Day(String tenantId, String userId, LocalDate day, long memories, long mediaBytes, int sourcePartition,
               long sourceOffset) {
    }

    @SqlBatch("""
            INSERT INTO user_activity_daily (tenant_id, user_id, day, memories, media_bytes, source_partition,
                                             source_offset)
            VALUES (:tenantId, :userId, :day, :memories, :mediaBytes, :sourcePartition, :sourceOffset)
            ON CONFLICT (tenant_id, user_id, day) DO UPDATE SET
                memories = EXCLUDED.memories, media_bytes = EXCLUDED.media_bytes,
                source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset,
                updated_at = now()
            WHERE user_activity_daily.source_offset < EXCLUDED.source_offset
            """)
    void upsert(@BindMethods List<Day> days);

    @SqlBatch("""
            DELETE FROM user_activity_daily
            WHERE tenant_id = :tenantId AND user_id = :userId AND day = :day AND source_offset < :sourceOffset
            """)
    void delete(@BindMethods List<Day> days);
}
