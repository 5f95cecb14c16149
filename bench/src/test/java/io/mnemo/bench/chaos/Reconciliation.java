package io.mnemo.bench.chaos;

import io.mnemo.cli.MnemoCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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

    static Result awaitClean(Path envFile, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Result result = once(envFile);
            if (result.clean() || System.nanoTime() - deadline > 0) {
                return result;
            }
            TimeUnit.SECONDS.sleep(2);
        }
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
