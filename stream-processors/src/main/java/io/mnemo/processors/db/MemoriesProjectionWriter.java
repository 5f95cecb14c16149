package io.mnemo.processors.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.processors.sink.ProjectionWriter;
import io.mnemo.schemas.changes.EventSettled;
import io.mnemo.schemas.changes.UserActivityDay;
import io.mnemo.processors.sink.SettledPositions;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.events.UserErased;
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

    static final String DELETE_ROW = """
            DELETE FROM memories
            WHERE tenant_id = :tenantId AND user_id = :userId AND occurred_at = :occurredAt AND memory_id = :memoryId
            """;

    static final String LOCK_LOCATORS = """
            SELECT l.tenant_id, l.user_id, l.memory_id, l.occurred_at, l.version, l.deleted
            FROM memory_locator l
            JOIN unnest(:tenants, :users, :ids) AS k(tenant_id, user_id, memory_id)
              ON l.tenant_id = k.tenant_id AND l.user_id = k.user_id AND l.memory_id = k.memory_id
            ORDER BY l.tenant_id, l.user_id, l.memory_id
            FOR UPDATE OF l
            """;

    static final String UPSERT_LOCATOR = """
            INSERT INTO memory_locator (tenant_id, user_id, memory_id, occurred_at, version, deleted, updated_at)
            VALUES (:tenantId, :userId, :memoryId, :occurredAt, :version, :deleted, now())
            ON CONFLICT (tenant_id, user_id, memory_id) DO UPDATE SET
                occurred_at = EXCLUDED.occurred_at, version = EXCLUDED.version, deleted = EXCLUDED.deleted,
                updated_at = now()
            WHERE memory_locator.version < EXCLUDED.version
            """;

    /** Repair mode: the version already applied is applied again, overwriting whatever the row holds now. */
    static final String REPAIR_UPSERT = UPSERT.replace("WHERE memories.version < EXCLUDED.version",
            "WHERE memories.version <= EXCLUDED.version");

    /** Repair mode: copies of the memory anywhere but where its latest version lives (or anywhere, if deleted). */
    static final String DELETE_OTHER_COPIES = """
            DELETE FROM memories
            WHERE tenant_id = :tenantId AND user_id = :userId AND memory_id = :memoryId
              AND occurred_at IS DISTINCT FROM CAST(:keep AS timestamptz)
            """;

    private final MemoryPartitions partitions;
    private final boolean repair;

    public MemoriesProjectionWriter(MemoryPartitions partitions) {
        this(partitions, false);
    }

    private MemoriesProjectionWriter(MemoryPartitions partitions, boolean repair) {
        this.partitions = partitions;
        this.repair = repair;
    }

    /**
     * A writer for replays that repair the projection: a change whose version is the one already applied is
     * applied again (rewriting a row edited or deleted by hand, removing stray copies); older versions still
     * change nothing. Applying the same version twice yields the same row, so this is as idempotent as the sink.
     */
    public static MemoriesProjectionWriter repairing(MemoryPartitions partitions) {
        return new MemoriesProjectionWriter(partitions, true);
    }

    @Override
    public String projection() {
        return PROJECTION;
    }

    @Override
    public void prepare(List<ConsumerRecord<String, SpecificRecord>> batch) {
        List<Instant> months = new ArrayList<>();
        for (MemoryChanged change : changes(batch)) {
            if (change.getKind() == MemoryChangeKind.UPSERTED && change.getState() != null) {
                months.add(change.getState().getOccurredAt());
            }
        }
        partitions.ensureFor(months);
    }

    /**
     * Applies the newest change of each memory in the batch. The memory's locator row (locked) says which version
     * was applied last and where the live row is: older or equal versions do nothing; a deletion removes the live
     * row; an upsert whose occurredAt moved removes the row from its old place before writing the new one.
     */
    @Override
    public void write(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
        writeRows(transaction, batch);
        Watermarks.advance(transaction, PROJECTION, SettledPositions.of(batch));
    }

    private void writeRows(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
        Map<String, MemoryChanged> newest = new LinkedHashMap<>();
        for (MemoryChanged change : changes(batch)) {
            String key = change.getTenantId() + "\n" + change.getUserId() + "\n" + change.getMemoryId();
            newest.merge(key, change, (a, b) -> a.getVersion() >= b.getVersion() ? a : b);
        }
        if (newest.isEmpty()) {
            return;
        }
        Map<String, Locator> locators = lockLocators(transaction, newest.values());
        if (repair) {
            PreparedBatch strays = transaction.prepareBatch(DELETE_OTHER_COPIES);
            for (Map.Entry<String, MemoryChanged> entry : newest.entrySet()) {
                MemoryChanged change = entry.getValue();
                Locator locator = locators.get(entry.getKey());
                if (locator != null && locator.version() > change.getVersion()) {
                    continue;
                }
                boolean live = change.getKind() == MemoryChangeKind.UPSERTED && change.getState() != null;
                strays.bind("tenantId", change.getTenantId()).bind("userId", change.getUserId())
                        .bind("memoryId", change.getMemoryId())
                        .bind("keep", live ? utc(change.getState().getOccurredAt()) : null).add();
            }
            if (strays.size() > 0) {
                strays.execute();
            }
        }
        PreparedBatch removals = transaction.prepareBatch(DELETE_ROW);
        PreparedBatch upserts = transaction.prepareBatch(repair ? REPAIR_UPSERT : UPSERT);
        PreparedBatch locatorUpdates = transaction.prepareBatch(UPSERT_LOCATOR);
        boolean anyRemoval = false;
        boolean anyUpsert = false;
        boolean anyLocator = false;
        for (Map.Entry<String, MemoryChanged> entry : newest.entrySet()) {
            MemoryChanged change = entry.getValue();
            Locator locator = locators.get(entry.getKey());
            if (locator != null && (repair ? locator.version() > change.getVersion()
                    : locator.version() >= change.getVersion())) {
                continue;
            }
            boolean upsert = change.getKind() == MemoryChangeKind.UPSERTED && change.getState() != null;
            if (locator != null && !locator.deleted()
                    && (!upsert || !locator.occurredAt().equals(change.getState().getOccurredAt()))) {
                removals.bind("tenantId", change.getTenantId()).bind("userId", change.getUserId())
                        .bind("occurredAt", utc(locator.occurredAt())).bind("memoryId", change.getMemoryId()).add();
                anyRemoval = true;
            }
            if (upsert) {
                bindUpsert(upserts, change);
                anyUpsert = true;
            }
            if (!upsert && locator == null) {
                // Deleting a memory this projection never saw: remember the version so a late capture stays out,
                // at a placeholder place (there is no row to find).
                locatorUpdates.bind("occurredAt", utc(java.time.Instant.EPOCH));
            } else {
                locatorUpdates.bind("occurredAt", utc(upsert ? change.getState().getOccurredAt() : locator.occurredAt()));
            }
            locatorUpdates.bind("tenantId", change.getTenantId()).bind("userId", change.getUserId())
                    .bind("memoryId", change.getMemoryId()).bind("version", change.getVersion())
                    .bind("deleted", !upsert).add();
            anyLocator = true;
        }
        if (anyRemoval) {
            removals.execute();
        }
        if (anyUpsert) {
            upserts.execute();
        }
        if (anyLocator) {
            locatorUpdates.execute();
        }
    }

    private static void bindUpsert(PreparedBatch upsert, MemoryChanged change) {
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

    /** Where a memory lives and which version was applied to it last. */
    record Locator(java.time.Instant occurredAt, long version, boolean deleted) {
    }

    private static Map<String, Locator> lockLocators(Handle transaction, java.util.Collection<MemoryChanged> changes) {
        List<String> tenants = new ArrayList<>();
        List<String> users = new ArrayList<>();
        List<java.util.UUID> ids = new ArrayList<>();
        for (MemoryChanged change : changes) {
            tenants.add(change.getTenantId());
            users.add(change.getUserId());
            ids.add(change.getMemoryId());
        }
        Map<String, Locator> locators = new java.util.HashMap<>();
        transaction.createQuery(LOCK_LOCATORS)
                .bindArray("tenants", String.class, tenants)
                .bindArray("users", String.class, users)
                .bindArray("ids", java.util.UUID.class, ids)
                .map((rs, ctx) -> Map.entry(rs.getString("tenant_id") + "\n" + rs.getString("user_id") + "\n"
                        + rs.getObject("memory_id", java.util.UUID.class),
                        new Locator(rs.getObject("occurred_at", OffsetDateTime.class).toInstant(),
                                rs.getLong("version"), rs.getBoolean("deleted"))))
                .forEach(e -> locators.put(e.getKey(), e.getValue()));
        return locators;
    }

    private static List<MemoryChanged> changes(List<ConsumerRecord<String, SpecificRecord>> batch) {
        List<MemoryChanged> changes = new ArrayList<>(batch.size());
        for (ConsumerRecord<String, SpecificRecord> record : batch) {
            // An erasure follows the user's deletions on the topic: the deletions were all this table needs.
            if (record.value() instanceof MemoryChanged change) {
                changes.add(change);
            } else if (!(record.value() instanceof UserErased) && !(record.value() instanceof EventSettled)
                    && !(record.value() instanceof UserActivityDay)) {
                LOG.warn("Skipping a record that is not a memory change at {}-{}@{}", record.topic(),
                        record.partition(), record.offset());
            }
        }
        return changes;
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
