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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL primary and its physical streaming replicas (one by default, see
 * {@link DevstackOptions#withReplicas(int)}), with a scripted failover. The zonky binaries have no
 * {@code pg_basebackup} and no {@code pg_rewind}, so a standby is a file copy of the primary taken between
 * {@code pg_backup_start} and {@code pg_backup_stop} in one session, with the returned backup label,
 * {@code standby.signal} and a physical replication slot on the primary named after the standby.
 *
 * <p>Servers keep their names ({@code primary}, {@code replica-1} ...), ports and directories for life; which one is
 * the primary is recorded in {@code postgres/current-primary} (absent: {@code primary}). Every start of a server goes
 * through {@link #prepare(PostgresServer)}: the current primary starts as it is, any other server starts as a standby
 * of it, re-cloned first when it is not a clean standby (it ran as a primary, was marked during a failover it missed,
 * or its primary was re-created). So a fenced primary can never come back as a second primary, in this JVM or on the
 * next start of a persistent stack.
 */
final class PostgresCluster {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresCluster.class);
    private static final String PRIMARY = "primary";
    /** Names the current primary; written before promoting, so after a crash mid-failover the file is the truth. */
    private static final String CURRENT_PRIMARY_FILE = "current-primary";
    /** Put into a stopped standby's directory by a failover it did not take part in: it may be ahead of the fork. */
    private static final String RECLONE_MARKER = "mnemo.reclone";
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(30);

    /** Files that must not travel into a base backup (see "Making a Base Backup Using the Low Level API"). */
    private static final Set<String> SKIPPED_FILES = Set.of("postmaster.pid", "postmaster.opts", "epg-lock",
            "backup_label", "tablespace_map", "standby.signal", "recovery.signal", "pg_internal.init",
            RECLONE_MARKER);
    /** Directories copied empty: their contents are rebuilt at start or streamed from the primary. */
    private static final Set<String> EMPTIED_DIRS = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans", "log");

    private final Path postgresDir;
    /** {@code primary}, {@code replica-1}, {@code replica-2} ...: fixed order, the order of the all-hosts URLs. */
    private final List<PostgresServer> servers;
    private volatile PostgresServer primary;
    /**
     * The old primary while {@link #promote} runs: a start of it (a supervisor restarting what promote stopped) is
     * refused until the new primary is recorded, or it would come back as a second primary.
     */
    private volatile PostgresServer fencing;

    /** @param ports the port of each server, {@code primary} first, then {@code replica-1} ... */
    PostgresCluster(Path postgresDir, Path logsDir, List<Integer> ports) {
        if (ports.size() < 2) {
            throw new IllegalArgumentException("a cluster needs a primary and at least one replica");
        }
        this.postgresDir = postgresDir;
        List<PostgresServer> all = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            String name = serverName(i);
            PostgresServer server = new PostgresServer(name, postgresDir.resolve(name),
                    logsDir.resolve("postgres-" + name + ".log"), ports.get(i), serverConfig());
            server.guardStartsWith(this::prepare);
            all.add(server);
        }
        this.servers = List.copyOf(all);
        this.primary = servers.get(0);
    }

    /** {@code primary} for index 0, {@code replica-N} for the others. */
    static String serverName(int index) {
        return index == 0 ? PRIMARY : "replica-" + index;
    }

    /** The current primary. */
    PostgresServer primary() {
        return primary;
    }

    /** Every server but the current primary, in server order. */
    List<PostgresServer> standbys() {
        PostgresServer current = primary;
        return servers.stream().filter(server -> server != current).toList();
    }

    /** Every server, {@code primary}, {@code replica-1} ... whatever their role. */
    List<PostgresServer> servers() {
        return servers;
    }

    /**
     * Starts the recorded primary (creating the {@code mnemo} database once), then each other server as its standby
     * (re-cloning those that are not clean standbys of it).
     */
    void start(StartupTimes times) throws Exception {
        primary = recordedPrimary();
        boolean freshPrimary = !Files.exists(primary.dataDir().resolve("PG_VERSION"));
        times.time("postgres-primary", () -> {
            primary.start();
            createDatabaseIfMissing();
        });
        long replicasStarted = System.nanoTime();
        for (PostgresServer standby : standbys()) {
            if (freshPrimary && Files.exists(standby.dataDir())) {
                // a replica of another primary (or a half-made copy) can never catch up with this one
                Files.writeString(standby.dataDir().resolve(RECLONE_MARKER), "primary re-created\n");
            }
            standby.start();
        }
        setSynchronousStandbys(primary, servers.size() > 2);
        times.record("postgres-replica", replicasStarted, System.nanoTime());
    }

    void stop() {
        for (PostgresServer standby : standbys()) {
            standby.stop();
        }
        primary.stop();
    }

    /**
     * Fails over to {@code standbys().get(replicaIndex)}: fences the old primary (stops it if it still runs; it can
     * only come back as a standby), lets the target catch up with the most advanced running standby (with
     * {@code synchronous_standby_names = 'ANY 1 (*)'} a commit was acknowledged once one standby had it, not
     * necessarily the target), promotes it, then re-points every other running standby at it: a physical slot per
     * follower on the new primary, {@code ALTER SYSTEM SET primary_conninfo/primary_slot_name} and
     * {@code pg_reload_conf()} (reloadable since PostgreSQL 13; a follower that has not connected within
     * 30 s is restarted). Stopped standbys are marked to be re-cloned when they start.
     */
    synchronized void promote(int replicaIndex) throws IOException, SQLException, InterruptedException {
        List<PostgresServer> standbys = standbys();
        if (replicaIndex < 0 || replicaIndex >= standbys.size()) {
            throw new IllegalArgumentException("no replica " + replicaIndex + "; the standbys are " + names(standbys));
        }
        PostgresServer target = standbys.get(replicaIndex);
        if (!target.isRunning()) {
            throw new IllegalStateException(target.name() + " is not running; promote a running standby");
        }
        PostgresServer old = primary;
        long started = System.nanoTime();
        fencing = old;
        try {
            failOver(old, target, standbys, started);
        } finally {
            fencing = null;
        }
    }

    private void failOver(PostgresServer old, PostgresServer target, List<PostgresServer> standbys, long started)
            throws IOException, SQLException, InterruptedException {
        // a fast shutdown of a live primary first sends its last WAL to the connected standbys: nothing is lost
        old.stop();
        List<PostgresServer> followers = new ArrayList<>();
        for (PostgresServer standby : standbys) {
            if (standby == target) {
                continue;
            }
            if (standby.isRunning()) {
                followers.add(standby);
            } else {
                markForReclone(standby, "stopped during the failover to " + target.name());
            }
        }
        catchUpWithMostAdvanced(target, followers);
        Files.writeString(postgresDir.resolve(CURRENT_PRIMARY_FILE), target.name() + "\n", StandardCharsets.UTF_8);
        primary = target;
        try (Connection connection = target.connect("postgres");
             Statement promote = connection.createStatement();
             ResultSet promoted = promote.executeQuery("SELECT pg_promote(true, 60)")) {
            promoted.next();
            if (!promoted.getBoolean(1)) {
                throw new IllegalStateException(target.name() + " did not finish promotion within 60 s; see "
                        + target.log());
            }
        }
        // standby.signal is gone now; a start of this directory would anyway be prepared as the primary
        LOG.info("promoted {} (port {}) to primary in {} ms; {} is fenced", target.name(), target.port(),
                (System.nanoTime() - started) / 1_000_000, old.name());
        for (PostgresServer follower : followers) {
            follow(follower, target);
        }
        if (servers.size() > 2) {
            // waiting for a standby that is not there would stop every write
            setSynchronousStandbys(target, !followers.isEmpty());
            if (followers.isEmpty()) {
                LOG.warn("no standby follows {}; its commits are asynchronous until the stack restarts", target.name());
            }
        }
    }

    /**
     * Re-creates {@code server} as a standby of the current primary (a new base backup, the same as a new replica's),
     * stopping it first if it runs: the way a former primary rejoins.
     */
    void rejoinAsReplica(PostgresServer server) throws IOException {
        if (server == primary) {
            throw new IllegalArgumentException(server.name() + " is the current primary");
        }
        server.stop();
        markForReclone(server, "rejoin requested");
        server.start();
    }

    /** Runs before every start of {@code server}; see the class comment. Deliberately no lock: see promote. */
    private void prepare(PostgresServer server) throws IOException, SQLException {
        Path dataDir = server.dataDir();
        if (server == fencing) {
            throw new IllegalStateException(server.name() + " is being failed over; it starts again as a standby of "
                    + "the new primary once the promotion is done");
        }
        if (server == primary) {
            // the recorded primary may have been a standby when a failover was interrupted: it ends recovery at start
            Files.deleteIfExists(dataDir.resolve("standby.signal"));
            Files.deleteIfExists(dataDir.resolve(RECLONE_MARKER));
            return;
        }
        boolean cleanStandby = Files.exists(dataDir.resolve("PG_VERSION"))
                && Files.exists(dataDir.resolve("standby.signal"))
                && !Files.exists(dataDir.resolve(RECLONE_MARKER));
        if (!cleanStandby) {
            if (Files.exists(dataDir.resolve("PG_VERSION"))) {
                LOG.info("re-cloning {} from {}: it is not a clean standby of the current primary", server.name(),
                        primary.name());
            }
            deleteRecursively(dataDir);
            createStandbyFiles(primary, server);
        }
        writeStandbyConfig(server, primary);
    }

    private PostgresServer recordedPrimary() throws IOException {
        Path file = postgresDir.resolve(CURRENT_PRIMARY_FILE);
        if (!Files.exists(file)) {
            return servers.get(0);
        }
        String name = Files.readString(file, StandardCharsets.UTF_8).trim();
        return servers.stream().filter(server -> server.name().equals(name)).findFirst()
                // a stack restarted with fewer replicas than the one that was promoted: start over from "primary"
                .orElseGet(() -> {
                    LOG.warn("{} names {}, which this stack does not have; starting primary as the primary", file,
                            name);
                    return servers.get(0);
                });
    }

    private static void markForReclone(PostgresServer server, String reason) throws IOException {
        if (Files.exists(server.dataDir())) {
            Files.writeString(server.dataDir().resolve(RECLONE_MARKER), reason + "\n", StandardCharsets.UTF_8);
        }
    }

    /** Streams the target from the standby that received the most WAL until it has replayed all of it. */
    private void catchUpWithMostAdvanced(PostgresServer target, List<PostgresServer> others)
            throws SQLException, InterruptedException {
        long targetLsn = receivedLsn(target);
        PostgresServer best = null;
        long bestLsn = targetLsn;
        for (PostgresServer other : others) {
            long lsn = receivedLsn(other);
            if (lsn > bestLsn) {
                best = other;
                bestLsn = lsn;
            }
        }
        if (best == null) {
            return;
        }
        LOG.info("{} is {} bytes behind {}; streaming from it before the promotion", target.name(),
                bestLsn - targetLsn, best.name());
        try (Connection connection = target.connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("ALTER SYSTEM SET primary_conninfo = '" + conninfo(best, target) + "'");
            statement.execute("ALTER SYSTEM SET primary_slot_name = ''");
            statement.execute("SELECT pg_reload_conf()");
            long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
            while (replayedLsn(statement) < bestLsn) {
                if (System.nanoTime() > deadline) {
                    LOG.warn("{} did not catch up with {} within {}; promoting it anyway, commits may be lost",
                            target.name(), best.name(), CATCH_UP_TIMEOUT);
                    return;
                }
                Thread.sleep(50);
            }
        }
    }

    private static long receivedLsn(PostgresServer standby) throws SQLException {
        try (Connection connection = standby.connect("postgres"); Statement statement = connection.createStatement();
             ResultSet lsn = statement.executeQuery("SELECT COALESCE(pg_wal_lsn_diff(GREATEST("
                     + "pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), '0/0'), 0)::bigint")) {
            lsn.next();
            return lsn.getLong(1);
        }
    }

    private static long replayedLsn(Statement statement) throws SQLException {
        try (ResultSet lsn = statement.executeQuery(
                "SELECT COALESCE(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0'), 0)::bigint")) {
            lsn.next();
            return lsn.getLong(1);
        }
    }

    /** Re-points a running standby at the new primary without restarting it, or restarts it if that did not work. */
    private void follow(PostgresServer follower, PostgresServer newPrimary) throws SQLException {
        createSlot(newPrimary, follower);
        try (Connection connection = follower.connect("postgres");
             Statement statement = connection.createStatement()) {
            statement.execute("ALTER SYSTEM SET primary_conninfo = '" + conninfo(newPrimary, follower) + "'");
            statement.execute("ALTER SYSTEM SET primary_slot_name = '" + slot(follower) + "'");
            statement.execute("SELECT pg_reload_conf()");
        }
        long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (isStreamingTo(newPrimary, follower)) {
                LOG.info("{} follows {} (primary_conninfo reloaded)", follower.name(), newPrimary.name());
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.warn("{} did not connect to {} after a reload within {}; restarting it", follower.name(),
                newPrimary.name(), CATCH_UP_TIMEOUT);
        follower.stop();
        follower.start();
    }

    private static boolean isStreamingTo(PostgresServer primary, PostgresServer standby) throws SQLException {
        try (Connection connection = primary.connect("postgres");
             PreparedStatement query = connection.prepareStatement(
                     "SELECT 1 FROM pg_stat_replication WHERE application_name = ? AND state = 'streaming'")) {
            query.setString(1, standby.name());
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    /**
     * With two standbys or more, a commit is acknowledged once one of them has flushed it, so a failover loses nothing
     * acknowledged, and losing one standby does not block writes; a single replica stays asynchronous (its loss must
     * not stop writes). Set with ALTER SYSTEM once standbys stream, never on the command line: a primary that waits
     * for standbys before they exist could not even create the database they are cloned from.
     */
    private void setSynchronousStandbys(PostgresServer server, boolean synchronous) throws SQLException {
        try (Connection connection = server.connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute(synchronous ? "ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (*)'"
                    : "ALTER SYSTEM RESET synchronous_standby_names");
            statement.execute("SELECT pg_reload_conf()");
        }
    }

    private static Map<String, String> serverConfig() {
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
        // any server may become primary or standby, so they all get the same settings (these are ignored on a primary)
        config.put("hot_standby", "on");
        config.put("hot_standby_feedback", "on");
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

    /** The replication slot a standby streams through: its name with underscores ({@code replica_1}). */
    static String slot(PostgresServer standby) {
        return standby.name().replace('-', '_');
    }

    private static String conninfo(PostgresServer upstream, PostgresServer standby) {
        return "host=127.0.0.1 port=" + upstream.port() + " user=" + PostgresServer.USER
                + " application_name=" + standby.name();
    }

    private static void createSlot(PostgresServer source, PostgresServer standby) throws SQLException {
        try (Connection connection = source.connect("postgres");
             PreparedStatement slot = connection.prepareStatement(
                     "SELECT pg_create_physical_replication_slot(?, true) "
                             + "WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)")) {
            slot.setString(1, slot(standby));
            slot.setString(2, slot(standby));
            slot.execute();
        }
    }

    private static void createStandbyFiles(PostgresServer source, PostgresServer standby)
            throws IOException, SQLException {
        long started = System.nanoTime();
        createSlot(source, standby);
        try (Connection connection = source.connect("postgres")) {
            // start and stop must run in the same session: a non-exclusive backup ends with its session
            try (Statement backup = connection.createStatement()) {
                backup.execute("SELECT pg_backup_start('mnemo-" + standby.name() + "', true)");
            }
            String label;
            String tablespaceMap;
            try {
                copyDataDir(source.dataDir(), standby.dataDir());
            } finally {
                try (Statement stop = connection.createStatement();
                     ResultSet result = stop.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
                    result.next();
                    label = result.getString(1);
                    tablespaceMap = result.getString(2);
                }
            }
            Files.writeString(standby.dataDir().resolve("backup_label"), label, StandardCharsets.UTF_8);
            if (tablespaceMap != null && !tablespaceMap.isEmpty()) {
                Files.writeString(standby.dataDir().resolve("tablespace_map"), tablespaceMap, StandardCharsets.UTF_8);
            }
        }
        Files.createFile(standby.dataDir().resolve("standby.signal"));
        LOG.debug("created standby {} from a base backup of {} in {} ms", standby.name(), source.name(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /** Rewritten on every start: the primary (or its port, in a persistent stack) may have changed since. */
    private static void writeStandbyConfig(PostgresServer standby, PostgresServer upstream) throws IOException {
        Path autoConf = standby.dataDir().resolve("postgresql.auto.conf");
        List<String> lines = new ArrayList<>();
        if (Files.exists(autoConf)) {
            for (String line : Files.readAllLines(autoConf, StandardCharsets.UTF_8)) {
                String trimmed = line.trim();
                if (!trimmed.startsWith("primary_conninfo") && !trimmed.startsWith("primary_slot_name")) {
                    lines.add(line);
                }
            }
        }
        lines.add("primary_conninfo = '" + conninfo(upstream, standby) + "'");
        lines.add("primary_slot_name = '" + slot(standby) + "'");
        Files.write(autoConf, lines, StandardCharsets.UTF_8);
    }

    private static String names(List<PostgresServer> servers) {
        return servers.stream().map(PostgresServer::name).toList().toString();
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
