package io.mnemo.processors.db;

import io.mnemo.kit.db.Daos;
import io.mnemo.processors.sink.ProjectionWriter;
import io.mnemo.processors.sink.SettledPositions;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.UserActivityDay;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.jdbi.v3.core.Handle;

/**
 * Folds the per user per day activity totals (absolute values, read from memory-changes where the topology puts
 * them in log order with the rest of each event's output; also published to {@code mnemo.user-activity.v1})
 * into {@code user_activity_daily}, and advances the projection's read-your-writes watermark:
 * overwrite when newer by source offset, delete when the day fell back to zero ({@link UserActivityDailyDao}).
 * Only the last value of each key in a batch is written.
 */
public final class ActivityProjectionWriter implements ProjectionWriter<SpecificRecord> {
    public static final String PROJECTION = "user_activity_daily";

    @Override
    public String projection() {
        return PROJECTION;
    }

    /** A memory's change is never an activity row (the days it moves follow it as their own records). */
    @Override
    public boolean needsContent(String recordType, Headers headers) {
        return !MemoryChanged.getClassSchema().getFullName().equals(recordType);
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
        List<UserActivityDailyDao.Day> upserts = new ArrayList<>();
        List<UserActivityDailyDao.Day> deletes = new ArrayList<>();
        for (UserActivityDay day : latest.values()) {
            UserActivityDailyDao.Day row = new UserActivityDailyDao.Day(day.getTenantId(), day.getUserId(),
                    day.getDay(), day.getMemories(), day.getMediaBytes(), day.getSourcePartition(),
                    day.getSourceOffset());
            (day.getMemories() == 0 && day.getMediaBytes() == 0 ? deletes : upserts).add(row);
        }
        UserActivityDailyDao days = Daos.attach(transaction, UserActivityDailyDao.class);
        if (!upserts.isEmpty()) {
            days.upsert(upserts);
        }
        if (!deletes.isEmpty()) {
            days.delete(deletes);
        }
        Watermarks.advance(transaction, PROJECTION, SettledPositions.of(batch));
    }
}
