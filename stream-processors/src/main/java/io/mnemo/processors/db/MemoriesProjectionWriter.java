package io.mnemo.processors.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.processors.sink.ProjectionWriter;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds {@code mnemo.memory-changes.v1} into the {@code memories} table with a version guard: a duplicate or
 * an older version arriving late changes nothing.
 */
public final class MemoriesProjectionWriter implements ProjectionWriter<SpecificRecord> {
    public static final String PROJECTION = "memories";
    private static final Logger LOG = LoggerFactory.getLogger(MemoriesProjectionWriter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String UPSERT = """
            INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, tags,
                                  attributes, media_ids, version, source_partition, source_offset)
            VALUES (:tenantId, :userId, :occurredAt, :memoryId, :recordedAt, :content, :tags,
                    CAST(:attributes AS jsonb), :mediaIds, :version, :sourcePartition, :sourceOffset)
            ON CONFLICT (tenant_id, user_id, occurred_at, memory_id) DO UPDATE SET
                recorded_at = EXCLUDED.recorded_at, content = EXCLUDED.content, tags = EXCLUDED.tags,
                attributes = EXCLUDED.attributes, media_ids = EXCLUDED.media_ids, version = EXCLUDED.version,
                source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset,
                projected_at = now()
            WHERE memories.version < EXCLUDED.version
            """;

    private final MemoryPartitions partitions;

    public MemoriesProjectionWriter(MemoryPartitions partitions) {
        this.partitions = partitions;
    }

    @Override
    public String projection() {
        return PROJECTION;
    }

    @Override
    public void prepare(List<ConsumerRecord<String, SpecificRecord>> batch) {
        List<Instant> months = new ArrayList<>();
        for (MemoryChanged change : upserts(batch)) {
            months.add(change.getState().getOccurredAt());
        }
        partitions.ensureFor(months);
    }

    @Override
    public void write(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
        // Keep only the newest version per row: one multi-row statement cannot touch a row twice, and the
        // older versions would lose to the guard anyway.
        Map<String, MemoryChanged> newest = new LinkedHashMap<>();
        for (MemoryChanged change : upserts(batch)) {
            String key = change.getTenantId() + "\n" + change.getUserId() + "\n" + change.getMemoryId() + "\n"
                    + change.getState().getOccurredAt();
            newest.merge(key, change, (a, b) -> a.getVersion() >= b.getVersion() ? a : b);
        }
        if (newest.isEmpty()) {
            return;
        }
        PreparedBatch upsert = transaction.prepareBatch(UPSERT);
        for (MemoryChanged change : newest.values()) {
            MemoryState state = change.getState();
            upsert.bind("tenantId", change.getTenantId())
                    .bind("userId", change.getUserId())
                    .bind("occurredAt", utc(state.getOccurredAt()))
                    .bind("memoryId", change.getMemoryId())
                    .bind("recordedAt", utc(state.getRecordedAt()))
                    .bind("content", state.getContent())
                    .bindArray("tags", String.class, state.getTags())
                    .bind("attributes", json(state.getAttributes()))
                    .bindArray("mediaIds", String.class, state.getMediaIds())
                    .bind("version", change.getVersion())
                    .bind("sourcePartition", change.getSourcePartition())
                    .bind("sourceOffset", change.getSourceOffset())
                    .add();
        }
        upsert.execute();
    }

    private static List<MemoryChanged> upserts(List<ConsumerRecord<String, SpecificRecord>> batch) {
        List<MemoryChanged> upserts = new ArrayList<>(batch.size());
        for (ConsumerRecord<String, SpecificRecord> record : batch) {
            if (record.value() instanceof MemoryChanged change && change.getKind() == MemoryChangeKind.UPSERTED
                    && change.getState() != null) {
                upserts.add(change);
            } else {
                LOG.warn("Skipping unsupported change at {}-{}@{}", record.topic(), record.partition(), record.offset());
            }
        }
        return upserts;
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static String json(Map<String, String> attributes) {
        try {
            return JSON.writeValueAsString(attributes);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("attributes are not serialisable", e);
        }
    }
}
