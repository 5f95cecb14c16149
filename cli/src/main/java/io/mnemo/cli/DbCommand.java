package io.mnemo.cli;

import io.mnemo.schemas.ProjectionMigrations;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.flywaydb.core.api.output.MigrateResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mnemo db migrate|backup|restore|promote}: the schema migrations as a deploy step of their own; a consistent
 * logical backup of the Mnemo database and its restore into a fresh database, after which the sinks catch up from
 * the log (see {@link ProjectionBackup} and docs/runbooks/restore-postgres-from-backup.md); a failover to a replica
 * ({@link DbPromote}).
 */
@Command(name = "db", mixinStandardHelpOptions = true,
        description = "Migrate, back up or restore the Mnemo database, or fail over to a replica.",
        subcommands = {DbCommand.Migrate.class, DbCommand.Backup.class, DbCommand.Restore.class, DbPromote.class})
final class DbCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * The projection migrations as the schema's owner, and the services' role passwords from the environment
     * ({@code MNEMO_PG_<ROLE>_PASSWORD}): the deploy step that runs before a release's services (the Kubernetes
     * Job and the ECS one-off task of infra/), so that the processors need not hold the owner's login.
     */
    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Bring the schema up to date (as its owner) and set the service roles' passwords from "
                    + "MNEMO_PG_INGEST_PASSWORD, MNEMO_PG_QUERY_PASSWORD, MNEMO_PG_PROCESSOR_PASSWORD, "
                    + "MNEMO_PG_READER_PASSWORD. Safe to run again, and beside running services.")
    static final class Migrate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        PostgresOptions postgres;

        @Override
        public Integer call() {
            PrintWriter print = spec.commandLine().getOut();
            long started = System.nanoTime();
            PostgresOptions.Connection db = postgres.resolve();
            // Flyway serialises concurrent runs (a session advisory lock): a second migrate waits, then finds
            // nothing to do
            MigrateResult result = ProjectionMigrations.migrate(db.url(), db.user(), db.password());
            String version = result.targetSchemaVersion != null ? result.targetSchemaVersion
                    : result.initialSchemaVersion;
            print.printf("Schema at version %s: %d migration(s) applied in %.1f s.%n", version,
                    result.migrationsExecuted, (System.nanoTime() - started) / 1e9);
            return 0;
        }
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
