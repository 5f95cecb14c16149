package io.mnemo.bench.chaos;

import static org.awaitility.Awaitility.await;

import io.mnemo.cli.MnemoCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import picocli.CommandLine;

/**
 * The operator's own check after a chaos run: {@code mnemo reconcile} compares the memories projection with the fold
 * of the change log (nothing missing, doubled, stale or unexpected, for every user, not only the ledger's). The
 * projection may still be applying the run's last changes, so it is repeated until clean or the time is up.
 */
final class Reconciliation {
    /** The last run's exit code (0: clean) and what it printed. */
    record Result(int exitCode, String output) {
        public boolean clean() {
            return exitCode == 0;
        }
    }

    private Reconciliation() {
    }

    /** Reconciles until clean or {@code timeout} passes, and returns the last run (for the caller to assert). */
    static Result awaitClean(Path envFile, Duration timeout) {
        AtomicReference<Result> last = new AtomicReference<>();
        try {
            await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(2))
                    .until(() -> last.updateAndGet(previous -> once(envFile)).clean());
        } catch (ConditionTimeoutException notClean) {
            // the last run says what differs
        }
        return last.get();
    }

    private static Result once(Path envFile) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new MnemoCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        int exit = cli.execute("reconcile", "--env-file", envFile.toString(), "--kafka-env-file", envFile.toString());
        return new Result(exit, out.toString());
    }
}
