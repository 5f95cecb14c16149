package io.mnemo.cli;

import io.mnemo.kit.crypto.UserKeyStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mnemo.kit.kafka.LogReaders;
import io.mnemo.processors.reconcile.MemoriesReconciler;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mnemo reconcile}: proves the memories projection equals the fold of the change log (no memory missing,
 * none doubled, none stale, none unexpected). Exit 0 when clean, 1 when there are differences.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = "Compare a projection with the fold of the log; exit 0 when equal, 1 when not.")
final class ReconcileCommand implements Callable<Integer> {
    static final int DIFFERENCES = 1;
    private static final int SHOWN = 50;

    @Spec
    CommandSpec spec;

    @Mixin
    PostgresOptions postgres;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--projection", defaultValue = "memories",
            description = "Projection to check (default: ${DEFAULT-VALUE}; the only one with a reconciler yet).")
    String projection;

    @Option(names = "--tenant", description = "Only this tenant's memories.")
    String tenant;

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!"memories".equals(projection)) {
            spec.commandLine().getErr().println("Unknown projection '" + projection + "': only 'memories' can be reconciled.");
            return 2;
        }
        PostgresOptions.Connection db = postgres.resolve();
        KafkaOptions.Endpoints endpoints = kafka.resolve();
        Predicate<String> tenants = tenant == null ? t -> true : tenant::equals;
        long started = System.nanoTime();
        MemoriesReconciler.Report report;
        try (var consumer = LogReaders.avro(endpoints.bootstrap(), endpoints.schemaRegistry(), "mnemo-reconcile",
                5_000, Map.of())) {
            Jdbi jdbi = Jdbi.create(db.url(), db.user(), db.password());
            report = new MemoriesReconciler(jdbi, new UserKeyStore(jdbi, postgres.masterKey())).reconcile(consumer,
                    tenants);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("projection", projection);
            result.put("tenant", tenant);
            result.put("memoriesInLog", report.memoriesInLog());
            result.put("liveInLog", report.liveInLog());
            result.put("rowsInTable", report.rowsInTable());
            result.put("clean", report.isClean());
            result.put("differences", report.differences().stream().map(d -> Map.of("kind", d.kind().name(),
                    "tenantId", d.tenantId(), "userId", d.userId(), "memoryId", d.memoryId(),
                    "detail", d.detail())).toList());
            result.put("seconds", seconds);
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result));
        } else {
            out.printf("Projection %s%s: %,d memories in the log (%,d live), %,d rows, compared in %.1f s%n",
                    projection, tenant == null ? "" : " (tenant " + tenant + ")", report.memoriesInLog(),
                    report.liveInLog(), report.rowsInTable(), seconds);
            report.differences().stream().limit(SHOWN).forEach(d -> out.println("  " + d));
            if (report.differences().size() > SHOWN) {
                out.printf("  … and %,d more (use --json for all)%n", report.differences().size() - SHOWN);
            }
            out.println(report.isClean() ? "Clean: the projection is the fold of the log."
                    : report.differences().size() + " difference(s). `mnemo replay` (issue 6) repairs them.");
        }
        return report.isClean() ? 0 : DIFFERENCES;
    }
}
