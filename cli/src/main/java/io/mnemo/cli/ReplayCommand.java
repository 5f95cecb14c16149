package io.mnemo.cli;

import io.mnemo.kit.crypto.UserKeyStore;
import io.mnemo.processors.db.ChangeContents;
import io.mnemo.schemas.sealing.MemoryContent;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mnemo.kit.kafka.LogReaders;
import io.mnemo.kit.db.Daos;
import io.mnemo.processors.db.MaintenanceLock;
import io.mnemo.processors.db.MaintenancePhase;
import io.mnemo.processors.db.MemoriesDao;
import io.mnemo.processors.core.MemoryKey;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.MemorySearchProjectionWriter;
import io.mnemo.processors.sink.ProjectionWriter;
import io.mnemo.processors.db.MemoryPartitions;
import io.mnemo.processors.db.MemoryRow;
import io.mnemo.processors.db.ProjectionMaintenanceDao;
import io.mnemo.processors.sink.ProjectionBatchApplier;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.MemoryChanged;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mnemo replay --projection memories|memory_search (--from TIME | --from-offsets FILE) [--to TIME]
 * [--dry-run]}: re-applies a window of {@code mnemo.memory-changes.v1} to the memories projection (or the
 * full-text one, {@code memory_search}, which has its own sink, offsets and version guard) while the platform runs,
 * in repair mode (the version already applied is written again, so rows edited or deleted by hand come back;
 * older versions still change nothing). The live sink keeps running and keeps its own offsets. Interrupting is
 * safe and running it again converges; a second replay (or a rebuild) of the same projection is refused while one
 * runs ({@link MaintenanceLock}). Each write passes the projection's fence, so a rebuild's swap never cuts one in
 * half.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Re-apply a window of the log to a projection, online and idempotently.")
final class ReplayCommand implements Callable<Integer> {
    static final int REFUSED = 3;
    private static final int BATCH = 500;
    private static final long PROGRESS_EVERY_NANOS = 1_000_000_000L;

    @Spec
    CommandSpec spec;

    @Mixin
    PostgresOptions postgres;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--projection", required = true, description = "Projection to replay (memories, memory_search).")
    String projection;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Start start;

    static final class Start {
        @Option(names = "--from", description = "Replay changes written at or after this instant.")
        Instant from;

        @Option(names = "--from-offsets", description = "JSON file {\"partition\": offset, ...} to start from.")
        Path fromOffsets;
    }

    @Option(names = "--to", description = "Stop at changes written at or after this instant (default: the end "
            + "of the log when the replay starts).")
    Instant to;

    @Option(names = "--dry-run", description = "Report what would be re-applied; change nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Machine-readable summary.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!"memories".equals(projection) && !MemorySearchProjectionWriter.PROJECTION.equals(projection)) {
            spec.commandLine().getErr().println("Unknown projection '" + projection + "': only 'memories' and '"
                    + MemorySearchProjectionWriter.PROJECTION + "' can be replayed yet.");
            return 2;
        }
        if (dryRun && !"memories".equals(projection)) {
            spec.commandLine().getErr().println("--dry-run compares with the memories table only.");
            return 2;
        }
        PostgresOptions.Connection db = postgres.resolve();
        KafkaOptions.Endpoints endpoints = kafka.resolve();
        Jdbi jdbi = Jdbi.create(db.url(), db.user(), db.password());
        try (Handle lock = jdbi.open()) {
            if (!MaintenanceLock.tryAcquire(lock, projection)) {
                spec.commandLine().getErr().println("Another replay or a rebuild of " + projection
                        + " is running; refused (run it again when that one has finished; see `mnemo status`).");
                return REFUSED;
            }
            return replay(out, jdbi, endpoints);
        }
    }

    private int replay(PrintWriter out, Jdbi jdbi, KafkaOptions.Endpoints endpoints) throws Exception {
        String topic = Topics.MEMORY_CHANGES.name();
        try (var consumer = LogReaders.avro(endpoints.bootstrap(), endpoints.schemaRegistry(), "mnemo-replay", BATCH,
                Map.of())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> begin = startOffsets(consumer, partitions);
            Map<TopicPartition, Long> end = endOffsets(consumer, partitions);
            Map<Integer, Long> window = new TreeMap<>();
            long total = 0;
            for (TopicPartition tp : partitions) {
                long count = Math.max(0, end.get(tp) - begin.get(tp));
                if (count > 0) {
                    window.put(tp.partition(), count);
                }
                total += count;
            }
            consumer.assign(partitions);
            begin.forEach(consumer::seek);
            record(jdbi, dryRun ? MaintenancePhase.DRY_RUN : MaintenancePhase.REPLAYING, 0, total, null);
            // months the replay creates (backfilled ones) get the sub-partitions the live months have, as a rebuild's
            // memory_search is its own projection: replayed on its own (same window, its own writer and fence)
            UserKeyStore keys = new UserKeyStore(jdbi, postgres.masterKey());
            ProjectionWriter<SpecificRecord> writer = "memories".equals(projection)
                    ? MemoriesProjectionWriter.repairing(
                            new MemoryPartitions(jdbi, jdbi.withHandle(MemoryPartitions::liveHashPartitions)), keys)
                    : MemorySearchProjectionWriter.repairing(keys);
            // The sinks' own applier: behind the write fence, offsets left alone (a replay re-applies a window and
            // must not move the sink's position); a record that can never be written was dead-lettered by the
            // sink when it first met it, so the replay skips it and says so.
            ProjectionBatchApplier<SpecificRecord> applier = new ProjectionBatchApplier<>(jdbi::useTransaction,
                    writer, topic, true, false, (record, reason) -> System.err.printf(
                            "Skipping %s-%d@%d: it can never be written (%s)%n", record.topic(), record.partition(),
                            record.offset(), reason));
            long refused = 0;
            Map<Integer, Long> applied = new TreeMap<>();
            long done = 0;
            long changes = 0;
            long wouldChange = 0;
            long lastProgress = System.nanoTime();
            Map<TopicPartition, Long> remaining = new HashMap<>(end);
            remaining.entrySet().removeIf(e -> begin.get(e.getKey()) >= e.getValue());
            while (!remaining.isEmpty()) {
                List<ConsumerRecord<String, SpecificRecord>> batch = new ArrayList<>();
                for (ConsumerRecord<String, SpecificRecord> record : consumer.poll(java.time.Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() < end.get(tp)) {
                        batch.add(record);
                    }
                }
                remaining.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                for (TopicPartition tp : partitions) {
                    if (!remaining.containsKey(tp)) {
                        consumer.pause(List.of(tp));
                    }
                }
                if (batch.isEmpty()) {
                    continue;
                }
                if (dryRun) {
                    wouldChange += jdbi.inTransaction(h -> rowsThatWouldChange(h, keys, batch));
                } else {
                    try {
                        refused += applier.apply(batch);
                    } catch (ProjectionBatchApplier.Interrupted e) {
                        throw e.getCause();
                    }
                }
                for (ConsumerRecord<String, SpecificRecord> record : batch) {
                    applied.merge(record.partition(), 1L, Long::sum);
                    if (record.value() instanceof MemoryChanged) {
                        changes++;
                    }
                }
                done += batch.size();
                // At most once a second, with or without --json: `mnemo status` reads it by the second, and a row
                // of the primary rewritten per batch is write load for nothing. The last state is recorded below.
                if (System.nanoTime() - lastProgress >= PROGRESS_EVERY_NANOS) {
                    record(jdbi, dryRun ? MaintenancePhase.DRY_RUN : MaintenancePhase.REPLAYING, done, total, null);
                    if (!json) {
                        out.printf("  %s %,d / %,d records (%.0f%%)%n", dryRun ? "read" : "replayed", done, total,
                                100.0 * done / Math.max(1, total));
                        out.flush();
                    }
                    lastProgress = System.nanoTime();
                }
            }
            record(jdbi, dryRun ? MaintenancePhase.DRY_RUN_DONE : MaintenancePhase.DONE, done, total,
                    window.toString());
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("projection", projection);
            summary.put("dryRun", dryRun);
            summary.put("recordsByPartition", window);
            summary.put("records", total);
            summary.put("memoryChanges", changes);
            summary.put("refusedRecords", refused);
            if (dryRun) {
                summary.put("rowsThatWouldChange", wouldChange);
            }
            if (json) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary));
            } else {
                out.printf("%s %,d record(s) (%,d memory changes) of %s in %d partition(s): %s%n",
                        dryRun ? "Would re-apply" : "Re-applied", total, changes, topic, window.size(), window);
                if (dryRun) {
                    out.printf("Rows that would change: %,d (compared batch by batch with the table now)%n",
                            wouldChange);
                } else {
                    out.println("Check with `mnemo reconcile`.");
                }
            }
            return 0;
        }
    }

    /** What `mnemo status` shows of the replay running or last run. */
    private void record(Jdbi jdbi, MaintenancePhase phase, long done, long total, String detail) {
        jdbi.useHandle(h -> Daos.attach(h, ProjectionMaintenanceDao.class).record(projection, phase, null, done, total,
                detail));
    }

    /**
     * How many memories of the batch the replay would rewrite: missing, doubled or different rows for the batch's
     * newest change of each memory, or rows left for a deleted one (a newer version in the table wins).
     */
    static long rowsThatWouldChange(Handle handle, UserKeyStore keys, List<ConsumerRecord<String, SpecificRecord>> batch) {
        Map<MemoryKey, MemoryChanged> newest = new LinkedHashMap<>();
        for (ConsumerRecord<String, SpecificRecord> record : batch) {
            if (record.value() instanceof MemoryChanged change) {
                newest.merge(MemoryKey.of(change), change,
                        (a, b) -> b.getVersion() >= a.getVersion() ? b : a);
            }
        }
        if (newest.isEmpty()) {
            return 0;
        }
        List<String> tenants = new ArrayList<>();
        List<String> users = new ArrayList<>();
        List<java.util.UUID> ids = new ArrayList<>();
        newest.values().forEach(c -> {
            tenants.add(c.getTenantId());
            users.add(c.getUserId());
            ids.add(c.getMemoryId());
        });
        Map<MemoryKey, List<MemoryRow>> rows = new HashMap<>();
        Daos.attach(handle, MemoriesDao.class).find(tenants.toArray(String[]::new), users.toArray(String[]::new),
                        ids.toArray(java.util.UUID[]::new))
                .forEach(row -> rows.computeIfAbsent(MemoryKey.of(row.tenantId(), row.userId(),
                                java.util.UUID.fromString(row.memoryId())),
                        k -> new ArrayList<>()).add(row));
        ChangeContents contents = ChangeContents.open(handle, keys, newest.values());
        long count = 0;
        for (Map.Entry<MemoryKey, MemoryChanged> entry : newest.entrySet()) {
            MemoryChanged change = entry.getValue();
            List<MemoryRow> found = rows.getOrDefault(entry.getKey(), List.of());
            long newestInTable = found.stream().mapToLong(MemoryRow::version).max().orElse(-1);
            if (newestInTable > change.getVersion()) {
                continue;
            }
            MemoryContent content = contents.of(change);
            if (content == null) {
                count += found.isEmpty() ? 0 : 1;
            } else if (found.size() != 1 || newestInTable < change.getVersion()
                    || !content.content().equals(found.get(0).content())
                    || !change.getState().getOccurredAt().equals(found.get(0).occurredAt())) {
                count++;
            }
        }
        return count;
    }

    private Map<TopicPartition, Long> startOffsets(KafkaConsumer<String, SpecificRecord> consumer,
                                                   List<TopicPartition> partitions) throws java.io.IOException {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> begin = new HashMap<>();
        if (start.fromOffsets != null) {
            Map<String, Number> file = new ObjectMapper().readValue(start.fromOffsets.toFile(),
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, Number>>() { });
            Map<TopicPartition, Long> earliest = consumer.beginningOffsets(partitions);
            for (TopicPartition tp : partitions) {
                Number offset = file.get(Integer.toString(tp.partition()));
                begin.put(tp, offset == null ? end.get(tp) : Math.max(offset.longValue(), earliest.get(tp)));
            }
            return begin;
        }
        return atTime(consumer, partitions, start.from, end);
    }

    private Map<TopicPartition, Long> endOffsets(KafkaConsumer<String, SpecificRecord> consumer,
                                                 List<TopicPartition> partitions) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        return to == null ? end : atTime(consumer, partitions, to, end);
    }

    /** The first offset at or after {@code time} per partition (the end when there is none). */
    private static Map<TopicPartition, Long> atTime(KafkaConsumer<String, SpecificRecord> consumer,
                                                    List<TopicPartition> partitions, Instant time,
                                                    Map<TopicPartition, Long> end) {
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, time.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = found.get(tp);
            offsets.put(tp, at == null ? end.get(tp) : at.offset());
        }
        return offsets;
    }
}
