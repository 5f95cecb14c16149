package io.mnemo.devstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL primary and one physical streaming replica. The zonky binaries have no {@code pg_basebackup}, so the
 * replica is a file copy taken between {@code pg_backup_start} and {@code pg_backup_stop} in one session, with the
 * returned backup label, {@code standby.signal} and a replication slot on the primary.
 */
final class PostgresCluster {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresCluster.class);
    private static final String SLOT = "replica_1";

    /** Files that must not travel into a base backup (see "Making a Base Backup Using the Low Level API"). */
    private static final Set<String> SKIPPED_FILES = Set.of("postmaster.pid", "postmaster.opts", "epg-lock",
            "backup_label", "tablespace_map", "standby.signal", "recovery.signal", "pg_internal.init");
    /** Directories copied empty: their contents are rebuilt at start or streamed from the primary. */
    private static final Set<String> EMPTIED_DIRS = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans", "log");

    private final PostgresServer primary;
    private final PostgresServer replica;

    PostgresCluster(Path postgresDir, Path logsDir, int primaryPort, int replicaPort) {
        this.primary = new PostgresServer("primary", postgresDir.resolve("primary"),
                logsDir.resolve("postgres-primary.log"), primaryPort, primaryConfig());
        Map<String, String> replicaConfig = primaryConfig();
        replicaConfig.put("hot_standby", "on");
        replicaConfig.put("hot_standby_feedback", "on");
        this.replica = new PostgresServer("replica-1", postgresDir.resolve("replica-1"),
                logsDir.resolve("postgres-replica-1.log"), replicaPort, replicaConfig);
    }

    PostgresServer primary() {
        return primary;
    }

    PostgresServer replica() {
        return replica;
    }

    /** Starts the primary (creating the {@code mnemo} database once), then the replica (creating it once). */
    void start(StartupTimes times) throws Exception {
        boolean freshPrimary = !Files.exists(primary.dataDir().resolve("PG_VERSION"));
        times.time("postgres-primary", () -> {
            primary.start();
            createDatabaseIfMissing();
        });
        long replicaStarted = System.nanoTime();
        boolean replicaExists = Files.exists(replica.dataDir().resolve("PG_VERSION"))
                && Files.exists(replica.dataDir().resolve("standby.signal"));
        if (freshPrimary || !replicaExists) {
            // a replica of another primary (or a half-made copy) can never catch up with this one
            deleteRecursively(replica.dataDir());
            createReplicaFiles();
        }
        writeStandbyConfig();
        replica.start();
        times.record("postgres-replica", replicaStarted, System.nanoTime());
    }

    void stop() {
        replica.stop();
        primary.stop();
    }

    private static Map<String, String> primaryConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("listen_addresses", "127.0.0.1");
        // zonky turns durability off by default; the stack must behave like production
        config.put("fsync", "on");
        config.put("synchronous_commit", "on");
        config.put("full_page_writes", "on");
        config.put("wal_level", "replica");
        config.put("max_wal_senders", "10");
        config.put("max_replication_slots", "10");
        config.put("max_connections", "200");
        config.put("timezone", "UTC");
        return config;
    }

    private void createDatabaseIfMissing() throws SQLException {
        try (Connection connection = primary.connect("postgres");
             PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, PostgresServer.DATABASE);
            try (ResultSet rows = exists.executeQuery()) {
                if (rows.next()) {
                    return;
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("CREATE DATABASE " + PostgresServer.DATABASE);
            }
            LOG.debug("created database {}", PostgresServer.DATABASE);
        }
    }

    private void createReplicaFiles() throws IOException, SQLException {
        long started = System.nanoTime();
        try (Connection connection = primary.connect("postgres")) {
            try (PreparedStatement slot = connection.prepareStatement(
                    "SELECT pg_create_physical_replication_slot(?, true) "
                            + "WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)")) {
                slot.setString(1, SLOT);
                slot.setString(2, SLOT);
                slot.execute();
            }
            // start and stop must run in the same session: a non-exclusive backup ends with its session
            try (Statement backup = connection.createStatement()) {
                backup.execute("SELECT pg_backup_start('mnemo-" + replica.name() + "', true)");
            }
            String label;
            String tablespaceMap;
            try {
                copyDataDir(primary.dataDir(), replica.dataDir());
            } finally {
                try (Statement stop = connection.createStatement();
                     ResultSet result = stop.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
                    result.next();
                    label = result.getString(1);
                    tablespaceMap = result.getString(2);
                }
            }
            Files.writeString(replica.dataDir().resolve("backup_label"), label, StandardCharsets.UTF_8);
            if (tablespaceMap != null && !tablespaceMap.isEmpty()) {
                Files.writeString(replica.dataDir().resolve("tablespace_map"), tablespaceMap, StandardCharsets.UTF_8);
            }
        }
        Files.createFile(replica.dataDir().resolve("standby.signal"));
        LOG.debug("created replica {} from a base backup of the primary in {} ms", replica.name(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /** Rewritten on every start: the primary's port of a persistent stack may have changed since the last run. */
    private void writeStandbyConfig() throws IOException {
        Path autoConf = replica.dataDir().resolve("postgresql.auto.conf");
        List<String> lines = new ArrayList<>();
        if (Files.exists(autoConf)) {
            for (String line : Files.readAllLines(autoConf, StandardCharsets.UTF_8)) {
                String trimmed = line.trim();
                if (!trimmed.startsWith("primary_conninfo") && !trimmed.startsWith("primary_slot_name")) {
                    lines.add(line);
                }
            }
        }
        lines.add("primary_conninfo = 'host=127.0.0.1 port=" + primary.port() + " user=" + PostgresServer.USER
                + " application_name=" + replica.name() + "'");
        lines.add("primary_slot_name = '" + SLOT + "'");
        Files.write(autoConf, lines, StandardCharsets.UTF_8);
    }

    private static void copyDataDir(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                Path copy = target.resolve(source.relativize(dir).toString());
                Files.createDirectories(copy);
                Path parent = dir.getParent();
                boolean emptied = parent != null && parent.equals(source)
                        && EMPTIED_DIRS.contains(dir.getFileName().toString());
                if (emptied) {
                    if (dir.getFileName().toString().equals("pg_wal")) {
                        Files.createDirectories(copy.resolve("archive_status"));
                        Files.createDirectories(copy.resolve("summaries"));
                    }
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (SKIPPED_FILES.contains(file.getFileName().toString()) || !attributes.isRegularFile()) {
                    return FileVisitResult.CONTINUE;
                }
                try {
                    Files.copy(file, target.resolve(source.relativize(file).toString()),
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (NoSuchFileException e) {
                    // removed by the running primary while copying; WAL replay recreates what is needed
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
