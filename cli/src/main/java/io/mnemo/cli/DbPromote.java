package io.mnemo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code mnemo db promote}: fails the Postgres primary over to a streaming replica. When the env file names a running
 * {@code mnemo dev}, that process is asked to do it with its own devstack ({@link DevPromotions}), so its supervisor
 * and {@code mnemo status} follow the new roles. Otherwise over plain SQL: fences the old primary when it is
 * reachable (read-only, sessions closed), lets the chosen standby catch up with the most WAL any reachable server
 * has (with {@code synchronous_standby_names = 'ANY 1 (*)'} an acknowledged commit may be on another standby only),
 * promotes it, re-points every other standby at it. It refuses to promote a standby that cannot catch up within
 * {@code --catch-up-seconds} unless told {@code --accept-loss}, as Patroni refuses a replica beyond
 * {@code maximum_lag_on_failover}. See docs/runbooks/postgres-failover.md.
 */
@Command(name = "promote", mixinStandardHelpOptions = true,
        description = "Promote a streaming replica to primary and re-point the other replicas at it.")
final class DbPromote implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--replica", defaultValue = "1",
            description = "Which replica to promote, counting from 1 in the --replica-url order (default: ${DEFAULT-VALUE}).")
    int replica;

    @Option(names = "--replica-url", description = "JDBC URL of a replica; repeat for each, in order (default: "
            + "postgres.replicas of --env-file).")
    List<String> replicaUrls = new ArrayList<>();

    @Option(names = "--jdbc-url", description = "JDBC URL of the old primary, fenced if it still answers (default: "
            + "postgres.primary of --env-file; none: fence it yourself).")
    String primaryUrl;

    @Option(names = "--user", description = "Postgres superuser (default: $MNEMO_PG_USER, else from --env-file, else postgres).")
    String user;

    @Option(names = "--password", description = "Its password (default: $MNEMO_PG_PASSWORD, else from --env-file, else empty).")
    String password;

    @Option(names = "--env-file", defaultValue = ".mnemo/dev-env.json",
            description = "Environment written by a running `mnemo dev` (default: ${DEFAULT-VALUE}).")
    Path envFile;

    @Option(names = "--over-sql", description = "Promote over SQL even when the env file names a running `mnemo dev` "
            + "(by default that process is asked to do it, so its supervisor and status follow the new roles).")
    boolean overSql;

    @Option(names = "--catch-up-seconds", defaultValue = "60",
            description = "How long the chosen replica may take to replay the WAL that the old primary or another "
                    + "replica has and it lacks (default: ${DEFAULT-VALUE}).")
    int catchUpSeconds;

    @Option(names = "--accept-loss", description = "Promote even when the chosen replica has not caught up: commits "
            + "that only the old primary or another replica has are lost.")
    boolean acceptLoss;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<Path> dev = overSql || !replicaUrls.isEmpty() || primaryUrl != null ? Optional.empty()
                : runningDev();
        if (dev.isPresent()) {
            out.printf("Asking the running mnemo dev (%s) to promote replica %d ...%n", envFile, replica);
            out.flush();
            DevPromotions.Result result = DevPromotions.request(dev.get(), replica, Duration.ofSeconds(180));
            (result.ok() ? out : err).println(result.message());
            out.flush();
            err.flush();
            return result.ok() ? 0 : 1;
        }
        resolveFromEnvFile();
        if (replicaUrls.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "No --replica-url given and none in " + envFile);
        }
        if (replica < 1 || replica > replicaUrls.size()) {
            throw new ParameterException(spec.commandLine(), "--replica " + replica + ": there are "
                    + replicaUrls.size() + " replica URL(s)");
        }
        String targetUrl = replicaUrls.get(replica - 1);
        try (Connection target = connect(targetUrl)) {
            if (!isInRecovery(target)) {
                err.printf("%s is not a standby (pg_is_in_recovery() = false): it is a primary already, or the wrong "
                        + "URL. Nothing changed.%n", targetUrl);
                err.flush();
                return 1;
            }
            Optional<Long> oldPrimaryLsn = fenceOldPrimary(out);
            if (!catchUp(target, targetUrl, oldPrimaryLsn, out, err) && !acceptLoss) {
                err.printf("Did not promote %s. Promote the replica with the least lag (`mnemo status`), or re-run "
                        + "with --accept-loss to promote it anyway. The old primary stays fenced.%n", targetUrl);
                err.flush();
                return 1;
            }
            long started = System.nanoTime();
            try (Statement statement = target.createStatement();
                 ResultSet promoted = statement.executeQuery("SELECT pg_promote(true, 60)")) {
                promoted.next();
                if (!promoted.getBoolean(1)) {
                    err.printf("%s did not finish promotion within 60 s; see its server log.%n", targetUrl);
                    err.flush();
                    return 1;
                }
            }
            out.printf("Promoted %s to primary in %d ms.%n", targetUrl, (System.nanoTime() - started) / 1_000_000);
            URI newPrimary = URI.create(targetUrl.substring("jdbc:".length()));
            for (int i = 0; i < replicaUrls.size(); i++) {
                if (i != replica - 1) {
                    repoint(replicaUrls.get(i), target, newPrimary, out, err);
                }
            }
        }
        out.println("Clients with multi-host URLs (targetServerType=primary) now write to the new primary. Rejoin the "
                + "old primary as a standby of it (re-clone); see docs/runbooks/postgres-failover.md.");
        out.flush();
        return 0;
    }

    /** Points a standby at the new primary through a slot of its own there; reloaded, no restart (PostgreSQL 13+). */
    private void repoint(String url, Connection newPrimary, URI newPrimaryAddress, PrintWriter out, PrintWriter err)
            throws SQLException {
        try (Connection follower = connect(url)) {
            if (!isInRecovery(follower)) {
                err.printf("Skipped %s: it is not a standby.%n", url);
                return;
            }
            String conninfo = show(follower, "primary_conninfo");
            String slot = show(follower, "primary_slot_name");
            if (slot.isBlank()) {
                slot = "replica_" + newPrimaryAddress.getPort() + "_" + URI.create(url.substring(5)).getPort();
            }
            try (PreparedStatement create = newPrimary.prepareStatement(
                    "SELECT pg_create_physical_replication_slot(?, true) "
                            + "WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)")) {
                create.setString(1, slot);
                create.setString(2, slot);
                create.execute();
            }
            try (Statement statement = follower.createStatement()) {
                streamFrom(statement, conninfo, newPrimaryAddress, slot);
            }
            out.printf("Re-pointed %s at %s:%d (slot %s), configuration reloaded.%n", url,
                    newPrimaryAddress.getHost(), newPrimaryAddress.getPort(), slot);
        }
    }

    /**
     * A soft fence: the old primary refuses writes in new transactions and its sessions are closed, so pgjdbc with
     * {@code targetServerType=primary} (which checks {@code transaction_read_only}) moves to the new primary.
     */
    private Optional<Long> fenceOldPrimary(PrintWriter out) {
        if (primaryUrl == null || replicaUrls.contains(primaryUrl)) {
            out.println("No old primary URL: make sure it is stopped or cannot take writes before clients reconnect.");
            return Optional.empty();
        }
        try (Connection old = connect(primaryUrl); Statement statement = old.createStatement()) {
            if (isInRecovery(old)) {
                return Optional.empty();
            }
            statement.execute("ALTER SYSTEM SET default_transaction_read_only = on");
            statement.execute("SELECT pg_reload_conf()");
            statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    + "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
            out.printf("Fenced the old primary %s: read-only, client sessions closed. Stop it before it rejoins.%n",
                    primaryUrl);
            // every commit it acknowledged is at or below this position, and no new one can follow
            return Optional.of(lsn(statement, "pg_current_wal_flush_lsn()"));
        } catch (SQLException e) {
            out.printf("The old primary %s does not answer (%s); fence it (stop it) before it can start again.%n",
                    primaryUrl, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Waits until {@code target} has replayed all the WAL that the fenced old primary flushed and that every other
     * reachable standby received. When another standby is ahead of it, the target streams from that standby first
     * (cascading replication, no slot). Returns whether it caught up.
     */
    private boolean catchUp(Connection target, String targetUrl, Optional<Long> oldPrimaryLsn, PrintWriter out,
            PrintWriter err) throws SQLException, InterruptedException {
        long needed = oldPrimaryLsn.orElse(0L);
        String source = oldPrimaryLsn.isPresent() ? primaryUrl : targetUrl;
        String bestStandby = null;
        long bestStandbyLsn;
        try (Statement statement = target.createStatement()) {
            bestStandbyLsn = lsn(statement, RECEIVED);
        }
        for (String url : replicaUrls) {
            if (url.equals(targetUrl)) {
                continue;
            }
            try (Connection other = connect(url); Statement statement = other.createStatement()) {
                if (!isInRecovery(other)) {
                    continue;
                }
                long received = lsn(statement, RECEIVED);
                if (received > bestStandbyLsn) {
                    bestStandby = url;
                    bestStandbyLsn = received;
                }
            } catch (SQLException e) {
                out.printf("Replica %s does not answer (%s); WAL that only it received cannot be recovered.%n", url,
                        e.getMessage());
            }
        }
        if (bestStandby != null && bestStandbyLsn > needed) {
            needed = bestStandbyLsn;
            source = bestStandby;
        }
        try (Statement statement = target.createStatement()) {
            long replayed = lsn(statement, "pg_last_wal_replay_lsn()");
            if (replayed >= needed) {
                return true;
            }
            if (bestStandby != null) {
                // it has more than the target: the target's own upstream (the old primary) may be gone
                streamFrom(statement, show(target, "primary_conninfo"),
                        URI.create(bestStandby.substring("jdbc:".length())), "");
                out.printf("%s is %d bytes behind %s; streaming the difference from %s first.%n", targetUrl,
                        needed - replayed, source, bestStandby);
            } else {
                out.printf("%s is %d bytes behind %s; waiting for it to replay them.%n", targetUrl, needed - replayed,
                        source);
            }
            out.flush();
            long deadline = System.nanoTime() + Duration.ofSeconds(catchUpSeconds).toNanos();
            while (replayed < needed) {
                if (System.nanoTime() > deadline) {
                    err.printf("%s is still %d bytes behind %s after %d s: commits acknowledged there would be lost.%n",
                            targetUrl, needed - replayed, source, catchUpSeconds);
                    err.flush();
                    return false;
                }
                Thread.sleep(50);
                replayed = lsn(statement, "pg_last_wal_replay_lsn()");
            }
            out.printf("%s caught up with %s.%n", targetUrl, source);
            return true;
        }
    }

    /**
     * Points the standby of {@code statement} at {@code upstream}: its connection string with the host and port
     * replaced, and {@code slot} (blank: none); reloaded, no restart (PostgreSQL 13+).
     */
    private static void streamFrom(Statement statement, String conninfo, URI upstream, String slot)
            throws SQLException {
        String repointed = setKeyword(setKeyword(conninfo, "host", upstream.getHost()), "port",
                Integer.toString(upstream.getPort()));
        statement.execute("ALTER SYSTEM SET primary_conninfo = '" + repointed.replace("'", "''") + "'");
        statement.execute("ALTER SYSTEM SET primary_slot_name = '" + slot.replace("'", "''") + "'");
        statement.execute("SELECT pg_reload_conf()");
    }

    /** The WAL a standby has: what its receiver wrote or, after a restart from its archive, what it replayed. */
    private static final String RECEIVED = "GREATEST(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())";

    private static long lsn(Statement statement, String position) throws SQLException {
        try (ResultSet lsn = statement.executeQuery(
                "SELECT COALESCE(pg_wal_lsn_diff(" + position + ", '0/0'), 0)::bigint")) {
            lsn.next();
            return lsn.getLong(1);
        }
    }

    /** The control directory of the `mnemo dev` that wrote the env file, while that process runs. */
    private Optional<Path> runningDev() throws IOException {
        if (!Files.isRegularFile(envFile)) {
            return Optional.empty();
        }
        JsonNode control = new ObjectMapper().readTree(envFile.toFile()).path("control");
        if (!control.hasNonNull("dir") || !control.hasNonNull("pid")) {
            return Optional.empty();
        }
        boolean alive = ProcessHandle.of(control.get("pid").asLong()).map(ProcessHandle::isAlive).orElse(false);
        Path dir = Path.of(control.get("dir").asText());
        return alive && Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
    }

    private void resolveFromEnvFile() throws IOException {
        if (user == null) {
            user = System.getenv("MNEMO_PG_USER");
        }
        if (password == null) {
            password = System.getenv("MNEMO_PG_PASSWORD");
        }
        if (!Files.isRegularFile(envFile)) {
            return;
        }
        JsonNode postgres = new ObjectMapper().readTree(envFile.toFile()).path("postgres");
        if (replicaUrls.isEmpty()) {
            postgres.path("replicas").forEach(url -> replicaUrls.add(url.asText()));
        }
        if (primaryUrl == null && postgres.hasNonNull("primary")) {
            primaryUrl = postgres.get("primary").asText();
        }
        if (user == null) {
            user = postgres.path("user").asText(null);
        }
        if (password == null) {
            password = postgres.path("password").asText(null);
        }
    }

    private Connection connect(String url) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user == null ? "postgres" : user);
        properties.setProperty("password", password == null ? "" : password);
        properties.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(url, properties);
    }

    private static boolean isInRecovery(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet recovery = statement.executeQuery("SELECT pg_is_in_recovery()")) {
            recovery.next();
            return recovery.getBoolean(1);
        }
    }

    private static String show(Connection connection, String setting) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT current_setting(?)")) {
            statement.setString(1, setting);
            try (ResultSet value = statement.executeQuery()) {
                value.next();
                return value.getString(1);
            }
        }
    }

    /** Replaces (or adds) one {@code keyword=value} of a libpq connection string. */
    static String setKeyword(String conninfo, String keyword, String value) {
        String pattern = "(^|\\s)" + keyword + "=\\S+";
        if (conninfo.matches("(?s).*" + pattern + ".*")) {
            return conninfo.replaceFirst(pattern, "$1" + keyword + "=" + value);
        }
        return (conninfo.isBlank() ? "" : conninfo + " ") + keyword + "=" + value;
    }
}
