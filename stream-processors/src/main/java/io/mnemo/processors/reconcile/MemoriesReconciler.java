package io.mnemo.processors.reconcile;

import io.mnemo.kit.crypto.UserKeyStore;
import io.mnemo.processors.db.ChangeContents;
import io.mnemo.schemas.sealing.MemoryContent;
import io.mnemo.processors.core.MemoryKey;
import java.util.UUID;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.kit.db.Daos;
import io.mnemo.kit.kafka.TopicReader;
import io.mnemo.processors.db.MemoriesDao;
import io.mnemo.processors.db.MemoryRow;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.jdbi.v3.core.Jdbi;

/**
 * Proves that the {@code memories} projection is the fold of {@code mnemo.memory-changes.v1}: reads the change
 * log from its beginning to its current end, keeps each memory's highest version, and compares that with the
 * table row by row. A memory is <em>missing</em> (live in the log, no row), <em>doubled</em> (more than one row,
 * e.g. left behind in its old month), <em>stale</em> (a row whose version or content differs from the log) or
 * <em>unexpected</em> (a row for a memory the log has deleted or never had).
 */
public final class MemoriesReconciler {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;
    private final UserKeyStore keys;

    /** For change logs in clear only (tests): a sealed change fails the comparison. */
    public MemoriesReconciler(Jdbi jdbi) {
        this(jdbi, null);
    }

    /** Opens sealed changes with the users' data keys, as the sink does. */
    public MemoriesReconciler(Jdbi jdbi, UserKeyStore keys) {
        this.jdbi = jdbi;
        this.keys = keys;
    }

    /** One difference between the log and the table. */
    public record Difference(Kind kind, String tenantId, String userId, String memoryId, String detail) {
        public enum Kind { MISSING, DOUBLED, STALE, UNEXPECTED }

        @Override
        public String toString() {
            return kind + " " + tenantId + "/" + userId + "/" + memoryId + ": " + detail;
        }
    }

    /** What was compared and what differs. */
    public record Report(long memoriesInLog, long liveInLog, long rowsInTable, List<Difference> differences) {
        public boolean isClean() {
            return differences.isEmpty();
        }
    }

    /**
     * Compares the memories of the tenants accepted by {@code tenants} (all when it accepts everything).
     *
     * @param consumer an unsubscribed consumer of the change log (read_committed, Avro values); it is assigned
     *                 every partition and read to the end offsets taken at the start
     */
    public Report reconcile(Consumer<String, SpecificRecord> consumer, Predicate<String> tenants) {
        return compare(foldLog(consumer, tenants), tenants);
    }

    /**
     * Compares the table with the fold of the change log up to (excluding) the given offsets per partition: the
     * position a projection has consumed, when the log goes on beyond it.
     */
    public Report reconcile(Consumer<String, SpecificRecord> consumer, Predicate<String> tenants,
                            Map<Integer, Long> upTo) {
        Map<MemoryKey, MemoryChanged> log = new HashMap<>();
        TopicReader.readTo(consumer, Topics.MEMORY_CHANGES.name(), upTo, record -> fold(log, record, tenants));
        return compare(log, tenants);
    }

    private Report compare(Map<MemoryKey, MemoryChanged> log, Predicate<String> tenants) {
        Map<MemoryKey, List<MemoryRow>> table = new HashMap<>();
        // in a transaction: pgjdbc streams by fetch size only there (in autocommit it buffers every row)
        jdbi.useTransaction(handle -> {
            try (Stream<MemoryRow> rows = Daos.attach(handle, MemoriesDao.class).all()) {
                rows.filter(row -> tenants.test(row.tenantId())).forEach(row -> table
                        .computeIfAbsent(MemoryKey.of(row.tenantId(), row.userId(), UUID.fromString(row.memoryId())),
                                k -> new ArrayList<>(1)).add(row));
            }
        });

        // What the sink writes for each memory's last change: its content opened, or a deletion for an erased user.
        ChangeContents contents = jdbi.inTransaction(handle -> ChangeContents.open(handle, keys, log.values()));
        List<Difference> differences = new ArrayList<>();
        long live = 0;
        long rowCount = 0;
        for (List<MemoryRow> rows : table.values()) {
            rowCount += rows.size();
        }
        for (Map.Entry<MemoryKey, MemoryChanged> entry : new TreeMap<>(log).entrySet()) {
            MemoryChanged change = entry.getValue();
            List<MemoryRow> rows = table.remove(entry.getKey());
            String id = change.getMemoryId().toString();
            MemoryContent content = contents.of(change);
            if (content == null) {
                if (rows != null) {
                    differences.add(new Difference(Difference.Kind.UNEXPECTED, change.getTenantId(),
                            change.getUserId(), id, "deleted at version " + change.getVersion() + " but "
                            + rows.size() + " row(s) remain"));
                }
                continue;
            }
            live++;
            if (rows == null) {
                differences.add(new Difference(Difference.Kind.MISSING, change.getTenantId(), change.getUserId(), id,
                        "version " + change.getVersion() + " has no row"));
                continue;
            }
            if (rows.size() > 1) {
                differences.add(new Difference(Difference.Kind.DOUBLED, change.getTenantId(), change.getUserId(), id,
                        rows.size() + " rows at " + rows.stream().map(MemoryRow::occurredAt).toList()));
                continue;
            }
            String stale = staleness(change, content, rows.get(0));
            if (stale != null) {
                differences.add(new Difference(Difference.Kind.STALE, change.getTenantId(), change.getUserId(), id,
                        stale));
            }
        }
        for (List<MemoryRow> rows : table.values()) {
            MemoryRow row = rows.get(0);
            differences.add(new Difference(Difference.Kind.UNEXPECTED, row.tenantId(), row.userId(), row.memoryId(),
                    "row at version " + row.version() + " for a memory the log never had"));
        }
        return new Report(log.size(), live, rowCount, differences);
    }

    /** The last change of every memory in the log (by version: a replay may repeat older changes later). */
    static Map<MemoryKey, MemoryChanged> foldLog(Consumer<String, SpecificRecord> consumer, Predicate<String> tenants) {
        Map<MemoryKey, MemoryChanged> last = new HashMap<>();
        TopicReader.readToEnd(consumer, Topics.MEMORY_CHANGES.name(), record -> fold(last, record, tenants));
        return last;
    }

    private static void fold(Map<MemoryKey, MemoryChanged> last,
                             org.apache.kafka.clients.consumer.ConsumerRecord<String, SpecificRecord> record,
                             Predicate<String> tenants) {
        if (record.value() instanceof MemoryChanged change && tenants.test(change.getTenantId())) {
            last.merge(MemoryKey.of(change), change,
                    (a, b) -> b.getVersion() >= a.getVersion() ? b : a);
        }
    }

    private static String staleness(MemoryChanged change, MemoryContent content, MemoryRow row) {
        MemoryState state = change.getState();
        if (row.version() != change.getVersion()) {
            return "row at version " + row.version() + ", log at " + change.getVersion();
        }
        if (!row.occurredAt().equals(state.getOccurredAt())) {
            return "occurredAt " + row.occurredAt() + " in the row, " + state.getOccurredAt() + " in the log";
        }
        if (!row.content().equals(content.content()) || !row.tags().equals(content.tags())
                || !row.mediaIds().equals(state.getMediaIds())
                || !Objects.equals(attributes(row.attributes()), stringMap(content.attributes()))) {
            return "content, tags, attributes or media differ at version " + row.version();
        }
        return null;
    }

    private static Map<String, String> attributes(String json) {
        try {
            return JSON.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (java.io.IOException e) {
            return Map.of("<unreadable>", json);
        }
    }

    private static Map<String, String> stringMap(Map<?, ?> map) {
        Map<String, String> copy = new HashMap<>();
        map.forEach((k, v) -> copy.put(String.valueOf(k), String.valueOf(v)));
        return copy;
    }
}
