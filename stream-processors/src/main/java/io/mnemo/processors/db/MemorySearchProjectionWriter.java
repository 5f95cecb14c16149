package io.mnemo.processors.db;

import io.mnemo.processors.core.MemoryKey;
import io.mnemo.processors.sink.ProjectionWriter;
import io.mnemo.processors.sink.SettledPositions;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.UserActivityDay;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import io.mnemo.kit.crypto.UserKeyStore;
import io.mnemo.schemas.sealing.MemoryContent;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.jdbi.v3.core.Handle;

/**
 * Folds {@code mnemo.memory-changes.v1} into {@code memory_search}, the full-text projection: per memory, the words
 * of its content ({@code to_tsvector('simple', content)}, computed by Postgres) and the version they reflect. A
 * deletion (a forget, or one of an erasure's deletions) leaves a tombstone, the version with no words, so that an
 * older change arriving later (a replay, a redelivery) finds a newer version and changes nothing. Its own sink,
 * offsets and watermark ({@value #PROJECTION}): it runs behind or ahead of the memories sink, never in its way.
 */
public final class MemorySearchProjectionWriter implements ProjectionWriter<SpecificRecord> {
    public static final String PROJECTION = "memory_search";

    /**
     * The batch's newest change of each memory as parallel arrays, in ONE statement, with the version guard
     * ({@code %s}: {@code <}, or {@code <=} in repair mode). Words are computed for the rows the guard lets through.
     */
    static final String APPLY_BATCH = """
            INSERT INTO memory_search AS s (tenant_id, user_id, memory_id, version, words)
            SELECT tenant_id, user_id, memory_id, version,
                   CASE WHEN deleted THEN NULL ELSE to_tsvector('simple', content) END
            FROM unnest(CAST(:tenants AS text[]), CAST(:users AS text[]), CAST(:ids AS uuid[]),
                        CAST(:versions AS bigint[]), CAST(:deleted AS boolean[]), CAST(:contents AS text[]))
                AS i(tenant_id, user_id, memory_id, version, deleted, content)
            ORDER BY tenant_id, user_id, memory_id
            ON CONFLICT (tenant_id, user_id, memory_id) DO UPDATE SET
                version = EXCLUDED.version, words = EXCLUDED.words, updated_at = now()
            WHERE s.version %s EXCLUDED.version
            """;
    private static final String APPLY_LIVE = APPLY_BATCH.formatted("<");
    private static final String APPLY_REPAIR = APPLY_BATCH.formatted("<=");

    private final UserKeyStore keys;
    private final boolean repair;

    /** For clear changes only (tests, benches): a sealed change fails its batch. */
    public MemorySearchProjectionWriter() {
        this(null, false);
    }

    /** Opens sealed changes with the users' data keys ({@link ChangeContents}). */
    public MemorySearchProjectionWriter(UserKeyStore keys) {
        this(keys, false);
    }

    private MemorySearchProjectionWriter(UserKeyStore keys, boolean repair) {
        this.keys = keys;
        this.repair = repair;
    }

    /** For replays that repair: the version already applied is applied again; older ones still change nothing. */
    public static MemorySearchProjectionWriter repairing(UserKeyStore keys) {
        return new MemorySearchProjectionWriter(keys, true);
    }

    /** Activity totals travel on the same topic; this table needs only their position. */
    @Override
    public boolean needsContent(String recordType, Headers headers) {
        return !UserActivityDay.getClassSchema().getFullName().equals(recordType);
    }

    @Override
    public String projection() {
        return PROJECTION;
    }

    @Override
    public void write(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
        Map<MemoryKey, MemoryChanged> newest = new LinkedHashMap<>();
        for (ConsumerRecord<String, SpecificRecord> record : batch) {
            // erasures, settlements and activity totals carry no words: an erasure's deletions precede it
            if (record.value() instanceof MemoryChanged change) {
                newest.merge(MemoryKey.of(change), change, (a, b) -> a.getVersion() >= b.getVersion() ? a : b);
            }
        }
        if (!newest.isEmpty()) {
            ChangeContents opened = ChangeContents.open(transaction, keys, newest.values());
            int n = newest.size();
            String[] tenants = new String[n];
            String[] users = new String[n];
            UUID[] ids = new UUID[n];
            Long[] versions = new Long[n];
            Boolean[] deleted = new Boolean[n];
            String[] contents = new String[n];
            int i = 0;
            for (MemoryChanged change : newest.values()) {
                MemoryContent content = opened.of(change);
                boolean gone = content == null;
                tenants[i] = change.getTenantId();
                users[i] = change.getUserId();
                ids[i] = change.getMemoryId();
                versions[i] = change.getVersion();
                deleted[i] = gone;
                contents[i] = gone ? null : content.content();
                i++;
            }
            transaction.createUpdate(repair ? APPLY_REPAIR : APPLY_LIVE)
                    .bind("tenants", BinaryArrays.text(tenants))
                    .bind("users", BinaryArrays.text(users))
                    .bind("ids", BinaryArrays.uuidsAsText(ids))
                    .bind("versions", BinaryArrays.int8(versions))
                    .bind("deleted", BinaryArrays.bool(deleted))
                    .bind("contents", BinaryArrays.text(contents))
                    .execute();
        }
        Watermarks.advance(transaction, PROJECTION, SettledPositions.of(batch));
    }
}
