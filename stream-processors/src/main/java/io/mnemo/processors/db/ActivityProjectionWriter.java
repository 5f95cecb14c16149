package io.mnemo.processors.db;

import io.mnemo.processors.sink.SettledPositions;

import io.mnemo.processors.sink.ProjectionWriter;
import io.mnemo.schemas.changes.UserActivityDay;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Folds the per user per day activity totals (absolute values, read from memory-changes where the topology puts
 * them in log order with the rest of each event's output; also published to {@code mnemo.user-activity.v1})
 * into {@code user_activity_daily}, and advances the projection's read-your-writes watermark:
 * overwrite when newer by source offset, delete when the day fell back to zero. Only the last value of each
 * key in a batch is written.
 */
public final class ActivityProjectionWriter implements ProjectionWriter<SpecificRecord> {
    public static final String PROJECTION = "user_activity_daily";

    static final String UPSERT = """
            INSERT INTO user_activity_daily (tenant_id, user_id, day, memories, media_bytes, source_partition,
                                             source_offset)
            VALUES (:tenantId, :userId, :day, :memories, :mediaBytes, :sourcePartition, :sourceOffset)
            ON CONFLICT (tenant_id, user_id, day) DO UPDATE SET
                memories = EXCLUDED.memories, media_bytes = EXCLUDED.media_bytes,
                source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset,
                updated_at = now()
            WHERE user_activity_daily.source_offset < EXCLUDED.source_offset
            """;

    static final String DELETE = """
            DELETE FROM user_activity_daily
            WHERE tenant_id = :tenantId AND user_id = :userId AND day = :day AND source_offset < :sourceOffset
            """;

    @Override
    public String projection() {
        return PROJECTION;
    }

    @Override
    public void write(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
        Map<String, UserActivityDay> latest = new LinkedHashMap<>();
        for (ConsumerRecord<String, SpecificRecord> record : batch) {
            if (record.value() instanceof UserActivityDay day) {
                // Keyed by the day: on memory-changes the record key is the user's, on user-activity the day's.
                latest.put(day.getTenantId() + "/" + day.getUserId() + "/" + day.getDay(), day);
            }
        }
        PreparedBatch upserts = transaction.prepareBatch(UPSERT);
        PreparedBatch deletes = transaction.prepareBatch(DELETE);
        for (UserActivityDay day : latest.values()) {
            if (day.getMemories() == 0 && day.getMediaBytes() == 0) {
                deletes.bind("tenantId", day.getTenantId()).bind("userId", day.getUserId())
                        .bind("day", day.getDay()).bind("sourceOffset", day.getSourceOffset()).add();
            } else {
                upserts.bind("tenantId", day.getTenantId()).bind("userId", day.getUserId())
                        .bind("day", day.getDay()).bind("memories", day.getMemories())
                        .bind("mediaBytes", day.getMediaBytes()).bind("sourcePartition", day.getSourcePartition())
                        .bind("sourceOffset", day.getSourceOffset()).add();
            }
        }
        if (upserts.size() > 0) {
            upserts.execute();
        }
        if (deletes.size() > 0) {
            deletes.execute();
        }
        Watermarks.advance(transaction, PROJECTION, SettledPositions.of(batch));
    }
}
