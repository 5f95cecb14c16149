package io.mnemo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mnemo.kit.kafka.LogReaders;
import io.mnemo.processors.db.MaintenanceLock;
import io.mnemo.processors.rebuild.MemoriesRebuild;
import io.mnemo.schemas.ProjectionMigrations;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mnemo rebuild --projection memories [--keep-old]}: builds a fresh copy of the projection from offset 0
 * beside the live one, catches up to the live position, verifies it and swaps it in for readers atomically
 * (see {@link MemoriesRebuild}). Interrupted, it resumes on the next run; {@code --abandon} drops an unfinished
 * copy; {@code --restore SCHEMA} swaps a copy kept by {@code --keep-old} back in, after catching it up.
 */
@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = "Rebuild a projection from offset 0 beside the live one, verify, swap; resumable.")
final class RebuildCommand implements Callable<Integer> {
    static final int VERIFICATION_FAILED = 1;
    static final int REFUSED = 3;

    @Spec
    CommandSpec spec;

    @Mixin
    PostgresOptions postgres;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--projection", required = true, description = "Projection to rebuild (memories).")
    String projection;

    @Option(names = "--keep-old", description = "Keep the replaced tables in schema mnemo_retired_memories_<time> "
            + "for a rollback with --restore.")
    boolean keepOld;

    @ArgGroup(exclusive = true)
    Alternative alternative;

    static final class Alternative {
        @Option(names = "--abandon", description = "Drop the unfinished copy of an interrupted rebuild instead.")
        boolean abandon;

        @Option(names = "--restore", paramLabel = "SCHEMA", description = "Swap in a copy kept by --keep-old "
                + "(caught up from the log and verified first) instead of building a new one.")
        String restore;
    }

    @Option(names = "--batch", defaultValue = "5000", description = "Records per write transaction "
            + "(default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lock-timeout", defaultValue = "PT5S", description = "How long the swap waits for readers' "
            + "locks before backing off and trying again (default: ${DEFAULT-VALUE}).")
    Duration lockTimeout;

    @Option(names = "--json", description = "Machine-readable summary.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!MemoriesRebuild.PROJECTION.equals(projection)) {
            err.println("Unknown projection '" + projection + "': only 'memories' can be rebuilt (the activity "
                    + "projection holds absolute values: replay its topic; media rows own S3 objects).");
            return 2;
        }
        PostgresOptions.Connection db = postgres.resolve();
        KafkaOptions.Endpoints endpoints = kafka.resolve();
        ProjectionMigrations.migrate(db.url(), db.user(), db.password());
        Jdbi jdbi = Jdbi.create(db.url(), db.user(), db.password());
        try (Handle lock = jdbi.open()) {
            if (!MaintenanceLock.tryAcquire(lock, projection)) {
                err.println("A replay or rebuild of " + projection + " is running; refused (see `mnemo status`).");
                return REFUSED;
            }
            MemoriesRebuild rebuild = new MemoriesRebuild(db.url(), db.user(), db.password(), postgres.masterKey(),
                    () -> LogReaders.avro(endpoints.bootstrap(), endpoints.schemaRegistry(), "mnemo-rebuild", 5_000,
                            LogReaders.BULK_FETCH), Clock.systemUTC(), progress(out));
            if (alternative != null && alternative.abandon) {
                rebuild.abandon(MemoriesRebuild.CANDIDATE);
                if (json) {
                    Map<String, Object> summary = new LinkedHashMap<>();
                    summary.put("projection", projection);
                    summary.put("abandoned", MemoriesRebuild.CANDIDATE);
                    out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(summary));
                } else {
                    out.println("Dropped the unfinished copy " + MemoriesRebuild.CANDIDATE + "; the live projection "
                            + "is unchanged.");
                }
                return 0;
            }
            String from = alternative != null && alternative.restore != null ? alternative.restore
                    : MemoriesRebuild.CANDIDATE;
            long started = System.nanoTime();
            MemoriesRebuild.Report report = rebuild.run(new MemoriesRebuild.Options(from, keepOld, batch, lockTimeout));
            print(out, report, (System.nanoTime() - started) / 1e9);
            return report.swapped() ? 0 : VERIFICATION_FAILED;
        }
    }

    private MemoriesRebuild.Progress progress(PrintWriter out) {
        return new MemoriesRebuild.Progress() {
            private long startedAt = System.nanoTime();

            @Override
            public void phase(String phase, String detail) {
                startedAt = System.nanoTime();
                if (!json) {
                    out.printf("[%s] %s%n", phase, detail);
                    out.flush();
                }
            }

            @Override
            public void records(long done, long total) {
                if (!json && total > 0) {
                    double seconds = Math.max(1e-3, (System.nanoTime() - startedAt) / 1e9);
                    int filled = (int) Math.min(30, 30 * done / total);
                    out.printf("  [%s%s] %,d / %,d records (%.0f%%) %,.0f/s%n", "#".repeat(filled),
                            ".".repeat(30 - filled), done, total, 100.0 * done / total, done / seconds);
                    out.flush();
                }
            }
        };
    }

    private void print(PrintWriter out, MemoriesRebuild.Report report, double seconds) throws Exception {
        if (json) {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("projection", projection);
            summary.put("swapped", report.swapped());
            summary.put("resumed", report.resumed());
            summary.put("recordsApplied", report.recordsApplied());
            summary.put("buildSeconds", report.buildSeconds());
            summary.put("recordsPerSecond", report.recordsPerSecond());
            summary.put("refusedRecords", report.refusedRecords());
            summary.put("liveRows", report.liveRows());
            summary.put("rebuiltRows", report.rebuiltRows());
            summary.put("tenantsDifferingFromLive", report.tenantsDiffering());
            summary.put("verified", report.reconciledClean());
            summary.put("retiredSchema", report.retiredSchema());
            summary.put("fencedMillis", report.fencedMillis());
            summary.put("swapMillis", report.swapMillis());
            summary.put("swapDetail", report.swapDetail());
            summary.put("failure", report.failure());
            summary.put("seconds", seconds);
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary));
            return;
        }
        out.printf("Applied %,d record(s)%s in %.1f s (%,.0f records/s while building); %,d refused by Postgres%n",
                report.recordsApplied(), report.resumed() ? " (resumed)" : "", report.buildSeconds(),
                report.recordsPerSecond(), report.refusedRecords());
        out.printf("Rows: live %,d, rebuilt %,d; %s%n", report.liveRows(), report.rebuiltRows(),
                report.tenantsDiffering().isEmpty() ? "checksums equal for every tenant"
                        : report.tenantsDiffering().size() + " tenant(s) differ from the live table "
                        + report.tenantsDiffering().stream().limit(10).toList()
                        + (report.reconciledClean() ? "; the rebuilt copy equals the fold of the log" : ""));
        if (report.swapped()) {
            out.printf("Swapped: live writers held for %d ms, tables exchanged in %d ms. %s%n", report.fencedMillis(),
                    report.swapMillis(), report.retiredSchema() == null ? "Old tables dropped."
                            : "Old tables kept in " + report.retiredSchema() + " (mnemo rebuild --projection "
                            + projection + " --restore " + report.retiredSchema() + " swaps them back).");
        } else {
            out.println("NOT swapped: " + report.failure() + ". The copy stays in " + MemoriesRebuild.CANDIDATE
                    + " for inspection; `mnemo rebuild --projection " + projection + " --abandon` drops it.");
        }
    }

}
