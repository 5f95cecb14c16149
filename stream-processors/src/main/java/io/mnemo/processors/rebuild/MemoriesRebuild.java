package io.mnemo.processors.rebuild;

import io.mnemo.kit.crypto.UserKeyStore;
import io.mnemo.schemas.sealing.MasterKey;
import io.mnemo.processors.core.MemoryKey;

import io.mnemo.kit.db.Daos;
import io.mnemo.kit.db.SettingsDao;
import io.mnemo.processors.db.CatalogDao;
import io.mnemo.processors.db.LocksDao;
import io.mnemo.processors.db.MaintenanceOperation;
import io.mnemo.processors.db.MaintenancePhase;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.MemoryPartitions;
import io.mnemo.processors.db.OldCopy;
import io.mnemo.processors.db.ProjectionFence;
import io.mnemo.processors.db.ProjectionMaintenanceDao;
import io.mnemo.processors.db.ProjectionOffsets;
import io.mnemo.processors.db.SqlStates;
import io.mnemo.processors.reconcile.MemoriesReconciler;
import io.mnemo.processors.sink.ProjectionBatchApplier;
import io.mnemo.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blue/green rebuild of the memories projection from offset 0 of {@code mnemo.memory-changes.v1}, online:
 * <ol>
 *   <li>a copy of the tables is built in schema {@value #CANDIDATE} by the sink's own writer (names resolve
 *       through {@code search_path}), storing its offsets beside its rows, so an interrupted rebuild resumes where
 *       it stopped;</li>
 *   <li>it catches up to the offsets the live sink has stored, then gets its secondary indexes;</li>
 *   <li>the live writers are fenced (they wait, nothing fails), the copy catches up to exactly the live offsets,
 *       and is verified: the same rows and checksums per tenant as the live table, or, where they differ, the
 *       copy equals the fold of the log (the live table was the damaged one);</li>
 *   <li>in the same transaction the live tables move to a retired schema and the copy takes their place; the live
 *       sink continues into the new tables from the same offsets. The retired copy is dropped unless kept.</li>
 * </ol>
 * Readers are never refused: they wait for the few milliseconds of the swap's ACCESS EXCLUSIVE locks.
 */
public final class MemoriesRebuild {
    public static final String CANDIDATE = "mnemo_rebuild_memories";
    public static final String PROJECTION = MemoriesProjectionWriter.PROJECTION;
    private static final Logger LOG = LoggerFactory.getLogger(MemoriesRebuild.class);
    private static final String TOPIC = Topics.MEMORY_CHANGES.name();
    /** Pre-fence catch-up passes stop once fewer records than this are left to the live position. */
    private static final long CLOSE_ENOUGH = 20_000;
    private static final int MAX_SWAP_ATTEMPTS = 5;
    /** Passes before fencing anyway (ingest outrunning the rebuild would otherwise never let it finish). */
    private static final int MAX_PASSES = 20;

    /** How the command shows progress. */
    public interface Progress {
        void phase(String phase, String detail);

        void records(long done, long total);
    }

    /** Settings of one run. {@code from} is the schema to swap in: the candidate, or a kept old copy. */
    public record Options(String from, boolean keepOld, int batchRecords, Duration lockTimeout) {
        public static Options defaults() {
            return new Options(CANDIDATE, false, 5_000, Duration.ofSeconds(5));
        }
    }

    /**
     * What happened: what was built and how fast ({@code buildSeconds}: the time spent reading and applying
     * records, before and during the fence), what verification found, where the old copy went.
     */
    public record Report(boolean resumed, long recordsApplied, double buildSeconds, long refusedRecords,
                         long liveRows, long rebuiltRows, List<String> tenantsDiffering, boolean reconciledClean,
                         boolean swapped, String retiredSchema, long fencedMillis, long swapMillis, String swapDetail,
                         String failure) {
        public double recordsPerSecond() {
            return buildSeconds <= 0 ? 0 : recordsApplied / buildSeconds;
        }
    }

    private final String url;
    private final String user;
    private final String password;
    private final Supplier<Consumer<String, SpecificRecord>> consumers;
    private final Clock clock;
    private final Progress progress;
    private final MasterKey masterKey;
    private long refused;
    private long applied;
    private long applyingNanos;
    /** tenant/user/memory of records Postgres refused (skipped, as the live sink dead-lettered them). */
    private final java.util.Set<MemoryKey> refusedKeys = new java.util.HashSet<>();
    /** How long the fence's session may sit idle (catching up, between statements) before Postgres ends it. */
    private static final Duration FENCE_IDLE_LIMIT = Duration.ofMinutes(2);
    private static final Report NEEDS_RECONCILE = new Report(false, 0, 0, 0, 0, 0, List.of(), false, false, null, 0,
            0, null, "needs reconcile");
    private int batchRecords = 5_000;

    public MemoriesRebuild(String url, String user, String password,
                           Supplier<Consumer<String, SpecificRecord>> consumers, Clock clock, Progress progress) {
        this(url, user, password, null, consumers, clock, progress);
    }

    /** @param masterKey unwraps the users' data keys to open sealed changes; null for change logs in clear (tests) */
    public MemoriesRebuild(String url, String user, String password, MasterKey masterKey,
                           Supplier<Consumer<String, SpecificRecord>> consumers, Clock clock, Progress progress) {
        this.masterKey = masterKey;
        this.url = url;
        this.user = user;
        this.password = password;
        this.consumers = consumers;
        this.clock = clock;
        this.progress = progress;
    }

    /** Runs (or resumes) a rebuild to its swap. The caller holds the projection's maintenance lock. */
    public Report run(Options options) {
        Jdbi live = jdbi(CandidateSchema.LIVE);
        CandidateSchema candidate = new CandidateSchema(options.from());
        boolean resumed;
        try (Handle admin = live.open()) {
            dropOldCopyLeftBehind(admin);
            resumed = CandidateSchema.exists(admin, candidate.name());
            if (resumed && !candidate.isComplete(admin)) {
                throw new IllegalStateException("Schema " + candidate.name() + " exists but is not a complete copy "
                        + "of the projection; drop it (mnemo rebuild --abandon) and start again.");
            }
            if (!resumed) {
                if (!options.from().equals(CANDIDATE)) {
                    throw new IllegalStateException("No schema " + options.from() + " to swap in.");
                }
                candidate.create(admin);
            }
            record(admin, MaintenancePhase.BUILDING, candidate.name(), 0, null, resumed ? "resumed" : "started");
        }
        Jdbi copy = jdbi(candidate.name());
        int hashPartitions = live.withHandle(h -> catalog(h).hashPartitionsOfNewestMonth());
        MemoryPartitions partitions = new MemoryPartitions(copy, hashPartitions);
        UserKeyStore keys = masterKey == null ? null : new UserKeyStore(live, masterKey);
        MemoriesProjectionWriter writer = new MemoriesProjectionWriter(partitions, keys);

        applied = 0;
        applyingNanos = 0;
        refused = 0;
        batchRecords = options.batchRecords();
        try (Consumer<String, SpecificRecord> consumer = consumers.get(); Handle target = copy.open()) {
            List<TopicPartition> topicPartitions = consumer.partitionsFor(TOPIC).stream()
                    .map(p -> new TopicPartition(TOPIC, p.partition())).toList();
            consumer.assign(topicPartitions);
            seekToStored(consumer, target, topicPartitions);
            progress.phase("building", (resumed ? "resuming " : "from offset 0 ") + "into schema " + candidate.name());
            // Pass after pass towards the live position, which moves while ingest runs; the last stretch is
            // caught up while the live writers are fenced.
            for (int pass = 0; pass < MAX_PASSES; pass++) {
                Map<Integer, Long> livePosition = live.withHandle(h -> ProjectionOffsets.load(h, PROJECTION, TOPIC));
                if (behind(target, livePosition) < CLOSE_ENOUGH) {
                    break;
                }
                catchUp(consumer, target, writer, livePosition, live);
            }
            progress.phase("indexing", "secondary indexes and months of the live table");
            ensureLiveMonths(live, partitions);
            List<String> indexes = candidate.createSecondaryIndexes(target);
            LOG.info("Rebuild of {}: created indexes {}", PROJECTION, indexes);
            progress.phase("indexed", String.join(", ", indexes));
            live.useHandle(h -> record(h, MaintenancePhase.INDEXED, candidate.name(), 0, null, "indexes " + indexes));

            Report report = null;
            String reconciledAt = null;
            for (int attempt = 1; attempt <= MAX_SWAP_ATTEMPTS && report == null; attempt++) {
                Map<Integer, Long> position = live.withHandle(h -> ProjectionOffsets.load(h, PROJECTION, TOPIC));
                catchUp(consumer, target, writer, position, live);
                ensureLiveMonths(live, partitions);
                try {
                    report = fenceVerifyAndSwap(live, consumer, target, writer, candidate, options, resumed,
                            reconciledAt != null);
                } catch (RuntimeException e) {
                    if (!isRetryable(e) || attempt == MAX_SWAP_ATTEMPTS) {
                        throw e;
                    }
                    progress.phase("swapping", "lock wait timed out or deadlock (attempt " + attempt + "), retrying");
                    LOG.warn("Rebuild swap attempt {} could not take its locks; retrying", attempt);
                    continue;
                }
                if (report == NEEDS_RECONCILE) {
                    // Outside the fence (the live writers go on): is the copy the fold of the log at its position?
                    Map<Integer, Long> at = ProjectionOffsets.load(target, PROJECTION, TOPIC);
                    progress.phase("verifying", "the copy differs from the live table; reconciling it with the log "
                            + "up to its position (live writers not held)");
                    List<MemoriesReconciler.Difference> differences;
                    try (Consumer<String, SpecificRecord> reader = consumers.get()) {
                        differences = new MemoriesReconciler(copy, keys).reconcile(reader, t -> true, at).differences()
                                .stream().filter(d -> !refusedKeys.contains(MemoryKey.of(d.tenantId(), d.userId(),
                                        java.util.UUID.fromString(d.memoryId())))).toList();
                    }
                    if (!differences.isEmpty()) {
                        LOG.error("Rebuilt copy differs from the log: {}", differences.stream().limit(20).toList());
                        live.useHandle(h -> record(h, MaintenancePhase.VERIFICATION_FAILED, candidate.name(), applied,
                                null, "the copy is neither equal to the live table nor to the fold of the log"));
                        return new Report(resumed, applied, applyingNanos / 1e9, refused, 0, 0, List.of(), false,
                                false, null, 0, 0, null, "verification failed: the copy differs from the live table and "
                                + "from the fold of the log (" + differences.size() + " difference(s), first: "
                                + differences.get(0) + ")");
                    }
                    reconciledAt = at.toString();
                    report = null;
                    attempt--;
                }
            }
            return report;
        }
    }

    /**
     * Drops the candidate schema of an unfinished rebuild (or a kept old copy). The live projection is untouched.
     */
    public void abandon(String schema) {
        CandidateSchema candidate = new CandidateSchema(schema);
        jdbi(CandidateSchema.LIVE).useHandle(h -> {
            candidate.drop(h);
            record(h, MaintenancePhase.ABANDONED, schema, 0, null, "dropped " + schema);
        });
    }

    /**
     * Fences the live writers, catches the copy up to exactly their position, compares, and swaps. Returns
     * {@link #NEEDS_RECONCILE} (fence released, nothing changed) when the copy differs from the live table and has not
     * been reconciled with the log yet: that comparison is too long to hold the live writers for.
     */
    private Report fenceVerifyAndSwap(Jdbi live, Consumer<String, SpecificRecord> consumer, Handle target,
                                      MemoriesProjectionWriter writer, CandidateSchema candidate, Options options,
                                      boolean resumed, boolean copyReconciled) {
        try (Handle tx = live.open()) {
            tx.begin();
            try {
                SettingsDao settings = Daos.attach(tx, SettingsDao.class);
                settings.setForTransaction("lock_timeout", options.lockTimeout().toMillis() + "ms");
                // if this process stalls or dies while holding the fence, Postgres ends the session and releases it
                settings.setForTransaction("idle_in_transaction_session_timeout", FENCE_IDLE_LIMIT.toMillis() + "ms");
                progress.phase("fencing", "waiting for in-flight live writes to finish");
                ProjectionFence.close(tx, CandidateSchema.LIVE, PROJECTION);
                long fencedAt = System.nanoTime();
                Map<Integer, Long> position = ProjectionOffsets.load(tx, PROJECTION, TOPIC);
                catchUp(consumer, target, writer, position, live);
                Map<Integer, Long> copied = ProjectionOffsets.load(target, PROJECTION, TOPIC);
                for (Map.Entry<Integer, Long> entry : position.entrySet()) {
                    if (copied.getOrDefault(entry.getKey(), 0L) < entry.getValue()) {
                        throw new IllegalStateException("copy at " + copied + " behind the live position "
                                + position + " after catching up");
                    }
                }
                // A live sink may have created a month (outside its write transaction) after the copy last synced
                // its months: no more months now, and the copy gets every month the live table has.
                Daos.attach(tx, LocksDao.class).holdMonthCreation();
                candidate.ensureMonths(tx, catalog(tx).memoriesMonths(), catalog(tx).hashPartitionsOfNewestMonth());

                progress.phase("verifying", "row counts and checksums per tenant against the live table");
                Map<String, ProjectionChecksums.TenantSum> liveSums = ProjectionChecksums.of(tx, CandidateSchema.LIVE);
                Map<String, ProjectionChecksums.TenantSum> copySums = ProjectionChecksums.of(tx, candidate.name());
                List<String> differing = ProjectionChecksums.differingTenants(liveSums, copySums);
                if (!differing.isEmpty() && !copyReconciled) {
                    progress.phase("verifying", differing.size() + " tenant(s) differ from the live table "
                            + differing.stream().limit(5).toList() + "; releasing the live writers");
                    tx.rollback();
                    return NEEDS_RECONCILE;
                }
                long liveRows = ProjectionChecksums.total(liveSums).memories();
                long copyRows = ProjectionChecksums.total(copySums).memories();

                progress.phase("swapping", "moving the live tables out and the copy in");
                long swapStarted = System.nanoTime();
                String retired = "mnemo_retired_memories_"
                        + DateTimeFormatter.ofPattern("yyyyMMdd'_'HHmmss").format(clock.instant().atZone(ZoneOffset.UTC));
                String timings = candidate.swapInto(tx, retired, PROJECTION);
                long beforeCommit = System.nanoTime();
                String verdict = differing.isEmpty() ? "checksums equal to the live table"
                        : differing.size() + " tenant(s) differed from the live table, the copy equals the log";
                maintenance(tx).recordSwap(PROJECTION, retired, options.keepOld() ? OldCopy.KEPT : OldCopy.TO_DROP,
                        applied, verdict);
                tx.commit();
                long swapMillis = millisSince(swapStarted);
                LOG.info("Rebuild of {} swapped in {} ms ({}; record and commit {} ms)", PROJECTION, swapMillis, timings,
                        millisSince(beforeCommit));
                long fencedMillis = millisSince(fencedAt);
                if (!options.keepOld()) {
                    try (Handle drop = live.open()) {
                        new CandidateSchema(retired).drop(drop);
                        maintenance(drop).oldCopy(PROJECTION, OldCopy.DROPPED);
                    }
                }
                return new Report(resumed, applied, applyingNanos / 1e9, refused, liveRows, copyRows, differing, true, true,
                        options.keepOld() ? retired : null, fencedMillis, swapMillis, timings, null);
            } catch (RuntimeException e) {
                if (tx.isInTransaction()) {
                    tx.rollback();
                }
                throw e;
            }
        }
    }

    /**
     * Applies records of the change log to the copy until it holds everything before {@code upTo} in every
     * partition. Batches are written like the sink writes them (rows and offsets in one transaction); a record
     * whose data Postgres refuses is skipped, as the live sink dead-lettered it.
     */
    private void catchUp(Consumer<String, SpecificRecord> consumer, Handle target, MemoriesProjectionWriter writer,
                         Map<Integer, Long> upTo, Jdbi live) {
        Map<TopicPartition, Long> remaining = new HashMap<>();
        Map<Integer, Long> stored = ProjectionOffsets.load(target, PROJECTION, TOPIC);
        long total = 0;
        for (Map.Entry<Integer, Long> entry : upTo.entrySet()) {
            long from = stored.getOrDefault(entry.getKey(), 0L);
            if (from < entry.getValue()) {
                TopicPartition tp = new TopicPartition(TOPIC, entry.getKey());
                remaining.put(tp, entry.getValue());
                total += entry.getValue() - from;
                if (consumer.position(tp) != from) {
                    consumer.seek(tp, from);
                }
            }
        }
        List<TopicPartition> idle = new ArrayList<>(consumer.assignment());
        idle.removeAll(remaining.keySet());
        consumer.pause(idle);
        consumer.resume(remaining.keySet());
        long appliedBefore = applied;
        long catchUpStarted = System.nanoTime();
        long reported = System.nanoTime();
        List<ConsumerRecord<String, SpecificRecord>> batch = new ArrayList<>();
        while (!remaining.isEmpty()) {
            var records = consumer.poll(Duration.ofMillis(200));
            for (ConsumerRecord<String, SpecificRecord> record : records) {
                Long end = remaining.get(new TopicPartition(record.topic(), record.partition()));
                if (end != null && record.offset() < end) {
                    batch.add(record);
                }
            }
            List<TopicPartition> done = new ArrayList<>();
            remaining.forEach((tp, end) -> {
                if (consumer.position(tp) >= end) {
                    done.add(tp);
                }
            });
            if (batch.size() >= batchRecords || !done.isEmpty() || records.isEmpty()) {
                write(target, writer, batch);
                batch.clear();
            }
            done.forEach(remaining::remove);
            consumer.pause(done);
            if (System.nanoTime() - reported > 1_000_000_000L) {
                progress.records(applied - appliedBefore, total);
                live.useHandle(h -> maintenance(h).progress(PROJECTION, MaintenanceOperation.REBUILD, applied));
                reported = System.nanoTime();
            }
        }
        write(target, writer, batch);
        applyingNanos += System.nanoTime() - catchUpStarted;
        progress.records(applied - appliedBefore, total);
        live.useHandle(h -> maintenance(h).progress(PROJECTION, MaintenanceOperation.REBUILD, applied));
    }

    private void write(Handle target, MemoriesProjectionWriter writer, List<ConsumerRecord<String, SpecificRecord>> batch) {
        if (batch.isEmpty()) {
            return;
        }
        // The copy's rows and offsets commit together, like the live sink's; no fence (the copy has no readers).
        // A record the live sink dead-lettered is refused here too: the copy skips it and stores its offset.
        var applier = new ProjectionBatchApplier<SpecificRecord>(target::useTransaction, writer, TOPIC, false, true,
                (record, reason) -> {
                    LOG.warn("Rebuild skips {}-{}@{}: it can never be written (the live sink dead-lettered it)",
                            record.topic(), record.partition(), record.offset());
                    if (record.value() instanceof io.mnemo.schemas.changes.MemoryChanged change) {
                        refusedKeys.add(MemoryKey.of(change));
                    }
                });
        try {
            refused += applier.apply(batch);
        } catch (ProjectionBatchApplier.Interrupted e) {
            throw e.getCause();
        }
        applied += batch.size();
    }

    private static void seekToStored(Consumer<String, SpecificRecord> consumer, Handle target,
                                     List<TopicPartition> partitions) {
        Map<Integer, Long> stored = ProjectionOffsets.load(target, PROJECTION, TOPIC);
        for (TopicPartition tp : partitions) {
            consumer.seek(tp, stored.getOrDefault(tp.partition(), 0L));
        }
    }

    private static long behind(Handle target, Map<Integer, Long> livePosition) {
        Map<Integer, Long> stored = ProjectionOffsets.load(target, PROJECTION, TOPIC);
        long behind = 0;
        for (Map.Entry<Integer, Long> entry : livePosition.entrySet()) {
            behind += Math.max(0, entry.getValue() - stored.getOrDefault(entry.getKey(), 0L));
        }
        return behind;
    }

    /** The copy gets every month the live table has, so live writes after the swap find their partitions. */
    private static void ensureLiveMonths(Jdbi live, MemoryPartitions partitions) {
        List<LocalDate> months = live.withHandle(h -> catalog(h).memoriesMonths());
        partitions.ensureFor(months.stream().map(d -> d.atStartOfDay().toInstant(ZoneOffset.UTC)).toList());
    }

    /** A run killed between its swap's commit and dropping the old tables left them behind: drop them now. */
    private static void dropOldCopyLeftBehind(Handle admin) {
        maintenance(admin).find(PROJECTION, MaintenanceOperation.REBUILD)
                .filter(run -> run.oldCopy() == OldCopy.TO_DROP)
                .ifPresent(run -> {
                    CandidateSchema old = new CandidateSchema(run.schemaName());
                    LOG.warn("Dropping {}, the replaced tables of an earlier rebuild that stopped before dropping them",
                            old.name());
                    old.drop(admin);
                    maintenance(admin).oldCopy(PROJECTION, OldCopy.DROPPED);
                });
    }

    private static void record(Handle handle, MaintenancePhase phase, String schema, long done, Long total,
                               String detail) {
        maintenance(handle).record(PROJECTION, phase, schema, done, total, detail);
    }

    private static ProjectionMaintenanceDao maintenance(Handle handle) {
        return Daos.attach(handle, ProjectionMaintenanceDao.class);
    }

    private static CatalogDao catalog(Handle handle) {
        return Daos.attach(handle, CatalogDao.class);
    }

    private Jdbi jdbi(String schema) {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setURL(url);
        source.setUser(user);
        source.setPassword(password);
        source.setOptions("-c search_path=" + schema + (schema.equals(CandidateSchema.LIVE) ? "" : ",public"));
        // the writer's batched upserts as multi-row statements: fewer executions for the same rows
        source.setReWriteBatchedInserts(true);
        return Jdbi.create(source);
    }

    /** Lock not available in time (55P03), or chosen as a deadlock victim (40P01): nothing changed, try again. */
    private static boolean isRetryable(Throwable e) {
        String state = SqlStates.of(e);
        return "55P03".equals(state) || "40P01".equals(state);
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
