package io.mnemo.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mnemo db backup|restore|promote}: a consistent logical backup of the Mnemo database and its restore into a
 * fresh database, after which the sinks catch up from the log (see {@link ProjectionBackup} and
 * docs/runbooks/restore-postgres-from-backup.md); a failover to a replica ({@link DbPromote}).
 */
@Command(name = "db", mixinStandardHelpOptions = true,
        description = "Back up or restore the Mnemo database, or fail over to a replica.",
        subcommands = {DbCommand.Backup.class, DbCommand.Restore.class, DbPromote.class})
final class DbCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = "Copy every table, in one snapshot, to a directory (manifest + gzip'd binary COPY files).")
    static final class Backup implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        PostgresOptions postgres;

        @Option(names = "--out", required = true, description = "Directory to write (must not hold a backup).")
        Path out;

        @Override
        public Integer call() throws Exception {
            PrintWriter print = spec.commandLine().getOut();
            long started = System.nanoTime();
            var manifest = ProjectionBackup.backup(postgres.resolve(), out, line -> {
                print.println(line);
                print.flush();
            });
            print.printf("Backed up %d table(s), %,d rows, schema version %s, in %.1f s to %s%n",
                    manifest.rows().size(), manifest.rows().values().stream().mapToLong(Long::longValue).sum(),
                    manifest.flywayVersion(), (System.nanoTime() - started) / 1e9, out);
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Load a backup into an empty database; the sinks then catch up from the log.")
    static final class Restore implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        PostgresOptions postgres;

        @Option(names = "--from", required = true, description = "Directory written by `mnemo db backup`.")
        Path from;

        @Override
        public Integer call() throws Exception {
            PrintWriter print = spec.commandLine().getOut();
            long started = System.nanoTime();
            var manifest = ProjectionBackup.restore(postgres.resolve(), from, line -> {
                print.println(line);
                print.flush();
            });
            print.printf("Restored %,d rows of %d table(s) taken at %s in %.1f s. Start the stream processors: "
                            + "their sinks resume from the restored offsets and catch up from the log.%n",
                    manifest.rows().values().stream().mapToLong(Long::longValue).sum(), manifest.rows().size(),
                    manifest.takenAt(), (System.nanoTime() - started) / 1e9);
            return 0;
        }
    }
}
