package io.mnemo.devstack;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * One PostgreSQL server of the devstack (the primary or a streaming replica) on a fixed port and data directory;
 * fault tests can stop it and start it again with the same port and data. Its name ({@code primary},
 * {@code replica-1} ...) is where it lives, not its role: after a failover the server named {@code primary} is a
 * standby, and every start asks the cluster first whether it must come up as one (see {@link PostgresCluster}).
 */
public final class PostgresServer {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);

    static final String DATABASE = "mnemo";
    static final String USER = "postgres";
    /** Never checked (trust authentication on loopback), but non-empty so configs requiring a password accept it. */
    static final String PASSWORD = "postgres";

    /** Unpacked binaries are shared by all stacks of the machine, so only the very first start pays for unpacking. */
    private static final File BINARIES_DIR = new File(System.getProperty("java.io.tmpdir"), "mnemo-embedded-pg");

    private final String name;
    private final Path dataDir;
    private final Path logFile;
    private final int port;
    private final Map<String, String> serverConfig;
    private volatile StartGuard guard = server -> { };
    private EmbeddedPostgres postgres;
    private Process reaper;

    /** Runs before every start: the cluster turns a server that is not the current primary into its standby. */
    @FunctionalInterface
    interface StartGuard {
        void beforeStart(PostgresServer server) throws IOException, SQLException;
    }

    PostgresServer(String name, Path dataDir, Path logFile, int port, Map<String, String> serverConfig) {
        this.name = name;
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.port = port;
        this.serverConfig = new LinkedHashMap<>(serverConfig);
    }

    /** Address and credentials of the {@code mnemo} database on this server. */
    public PostgresEndpoint endpoint() {
        return new PostgresEndpoint("127.0.0.1", port, DATABASE, USER, PASSWORD);
    }

    /** Whether the server's postmaster is alive. */
    public synchronized boolean isRunning() {
        return postgres != null && postmasterPid().flatMap(ProcessHandle::of).map(ProcessHandle::isAlive)
                .orElse(false);
    }

    /** Starts the server on its port and data directory (initializing the directory if it is empty). */
    public synchronized void start() {
        if (postgres != null) {
            return;
        }
        try {
            Files.createDirectories(dataDir);
            Files.createDirectories(logFile.getParent());
            stopOrphanedPostmaster();
            guard.beforeStart(this);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDir)
                    // zonky would delete the directory on close; the stack decides when data goes away
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(BINARIES_DIR)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            serverConfig.forEach(builder::setServerConfig);
            postgres = builder.start();
            reaper = startReaper();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL " + name + " on port " + port
                    + "; last log lines:\n" + ChildJvm.tail(logFile, 30), e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare PostgreSQL " + name + " as a standby of the primary", e);
        }
    }

    /** Stops the server (fast shutdown: open sessions are disconnected, committed data is kept). */
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            LOG.warn("stopping PostgreSQL {} failed", name, e);
        } finally {
            postgres = null;
            stopReaper();
        }
    }

    /**
     * Starts the server again after its postmaster died (killed, crashed): zonky's handle of the dead server is
     * closed first, which releases its lock on the data directory (its {@code pg_ctl stop} fails on a dead server,
     * and zonky logs that), and the new postmaster replays the WAL on the same directory. Fails while backends of
     * the dead postmaster still hold its shared memory (they exit within a second or so of noticing): the caller
     * retries. A server that is no longer the primary (after {@link Devstack#promote(int)}) comes back as a standby
     * of the current primary, re-cloned from it if it ever ran as a primary.
     */
    public synchronized void restartAfterCrash() {
        if (isRunning()) {
            return;
        }
        stop();
        start();
    }

    /** The server's log file (postmaster output). */
    public Path log() {
        return logFile;
    }

    void guardStartsWith(StartGuard startGuard) {
        this.guard = startGuard;
    }

    String name() {
        return name;
    }

    Path dataDir() {
        return dataDir;
    }

    int port() {
        return port;
    }

    /** A connection to a database of this server as the superuser. */
    Connection connect(String database) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", USER);
        properties.setProperty("password", PASSWORD);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, properties);
    }

    /** The postmaster's process id, or -1 when there is no pid file (never started, or stopped). */
    public synchronized long pid() {
        return postmasterPid().orElse(-1L);
    }

    /**
     * zonky starts the postmaster with {@code pg_ctl}, which detaches it from this JVM, so it would outlive a JVM
     * killed by SIGKILL. A tiny shell process waits for its stdin (a pipe from this JVM) to close and then asks the
     * postmaster to shut down; after a normal stop the pid file is gone and it does nothing.
     */
    private Process startReaper() throws IOException {
        String script = "cat >/dev/null; pid=$(head -n 1 \"$1/postmaster.pid\" 2>/dev/null)"
                + " && kill -INT \"$pid\" 2>/dev/null; exit 0";
        return new ProcessBuilder("sh", "-c", script, "postgres-reaper", dataDir.toString())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private void stopReaper() {
        if (reaper == null) {
            return;
        }
        try (OutputStream stdin = reaper.getOutputStream()) {
            stdin.flush();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!reaper.waitFor(5, TimeUnit.SECONDS)) {
                reaper.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reaper = null;
    }

    /** A postmaster left running by a crashed run would block the port and the data directory. */
    private void stopOrphanedPostmaster() throws IOException {
        Optional<ProcessHandle> orphan = postmasterPid().flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive)
                .filter(handle -> handle.info().command().map(command -> command.endsWith("postgres")).orElse(false));
        if (orphan.isEmpty()) {
            return;
        }
        LOG.warn("stopping an orphaned PostgreSQL postmaster (pid {}) on {}", orphan.get().pid(), dataDir);
        new ProcessBuilder("kill", "-INT", Long.toString(orphan.get().pid())).start();
        try {
            orphan.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("the orphaned postmaster " + orphan.get().pid() + " did not stop", e);
        }
    }

    private Optional<Long> postmasterPid() {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
