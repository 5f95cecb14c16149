package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackOptions;
import io.mnemo.devstack.PostgresEndpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code mnemo db promote} on a stack of a primary and two replicas of its own for each test, over SQL only. */
class DbPromoteIT {
    private Devstack devstack;

    @BeforeEach
    void startStack() throws Exception {
        devstack = Devstack.start(DevstackOptions.ephemeral().withReplicas(2));
    }

    @AfterEach
    void stopStack() {
        if (devstack != null) {
            devstack.close();
        }
    }

    @Test
    void promotesTheChosenReplicaRepointsTheOtherAndFencesTheOldPrimary() throws Exception {
        PostgresEndpoint primary = devstack.primary();
        List<PostgresEndpoint> replicas = devstack.replicas();
        execute(primary, "CREATE TABLE promote_probe (id int PRIMARY KEY)");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = mnemo(out, err, "db", "promote", "--replica", "1", "--jdbc-url", primary.jdbcUrl(),
                "--replica-url", replicas.get(0).jdbcUrl(), "--replica-url", replicas.get(1).jdbcUrl(),
                "--user", primary.user(), "--password", primary.password(), "--env-file", "/nonexistent.json");

        assertThat(exit).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("Promoted " + replicas.get(0).jdbcUrl())
                .contains("Re-pointed " + replicas.get(1).jdbcUrl()).contains("Fenced the old primary");
        assertThat(query(replicas.get(0), "SELECT pg_is_in_recovery()::text")).isEqualTo("false");
        assertThat(query(primary, "SHOW transaction_read_only")).isEqualTo("on");
        execute(replicas.get(0), "INSERT INTO promote_probe VALUES (1)");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(query(replicas.get(1), "SELECT count(*)::text FROM promote_probe")).isEqualTo("1"));
        String allHosts = devstack.primaryUrlAllHosts();
        try (Connection writer = DriverManager.getConnection(allHosts, primary.user(), primary.password());
             Statement statement = writer.createStatement()) {
            statement.execute("INSERT INTO promote_probe VALUES (2)");
        }
        assertThat(query(replicas.get(0), "SELECT count(*)::text FROM promote_probe")).isEqualTo("2");

        StringWriter again = new StringWriter();
        StringWriter againErr = new StringWriter();
        int second = mnemo(again, againErr, "db", "promote", "--replica-url", replicas.get(0).jdbcUrl(),
                "--user", primary.user(), "--password", primary.password(), "--env-file", "/nonexistent.json");
        assertThat(second).isEqualTo(1);
        assertThat(againErr.toString()).contains("is not a standby");
    }

    /**
     * With {@code synchronous_standby_names = 'ANY 1 (*)'} a commit is acknowledged once one standby has it. Replica
     * 1 is cut off from the primary, rows are committed (replica 2 acknowledges them), the primary is lost: promoting
     * replica 1 as it is would lose those rows. The command streams them from replica 2 first, and refuses to promote
     * while they are missing.
     */
    @Test
    void aReplicaThatMissedAcknowledgedCommitsCatchesUpFromTheOtherBeforeItIsPromoted() throws Exception {
        PostgresEndpoint primary = devstack.primary();
        List<PostgresEndpoint> replicas = devstack.replicas();
        execute(primary, "CREATE TABLE promote_probe (id int PRIMARY KEY)");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(query(replicas.get(0), "SELECT count(*)::text FROM promote_probe")).isEqualTo("0"));
        String conninfo = query(replicas.get(0), "SHOW primary_conninfo");
        execute(replicas.get(0), "ALTER SYSTEM SET primary_conninfo = '"
                + DbPromote.setKeyword(conninfo, "port", "1").replace("'", "''") + "'");
        execute(replicas.get(0), "SELECT pg_reload_conf()");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(query(replicas.get(0), "SELECT count(*)::text FROM pg_stat_wal_receiver")).isEqualTo("0"));
        execute(primary, "INSERT INTO promote_probe SELECT generate_series(1, 1000)");
        devstack.primaryServer().stop();
        assertThat(query(replicas.get(0), "SELECT count(*)::text FROM promote_probe")).isEqualTo("0");
        String[] promote = {"db", "promote", "--replica", "1", "--jdbc-url", primary.jdbcUrl(),
                "--replica-url", replicas.get(0).jdbcUrl(), "--replica-url", replicas.get(1).jdbcUrl(),
                "--user", primary.user(), "--password", primary.password(), "--env-file", "/nonexistent.json"};

        StringWriter refusedOut = new StringWriter();
        StringWriter refusedErr = new StringWriter();
        int refused = mnemo(refusedOut, refusedErr, append(promote, "--catch-up-seconds", "0"));

        assertThat(refused).as(refusedOut + "\n" + refusedErr).isEqualTo(1);
        assertThat(refusedOut.toString()).contains("streaming the difference from " + replicas.get(1).jdbcUrl());
        assertThat(refusedErr.toString()).contains("Did not promote " + replicas.get(0).jdbcUrl());
        assertThat(query(replicas.get(0), "SELECT pg_is_in_recovery()::text")).isEqualTo("true");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = mnemo(out, err, promote);

        assertThat(exit).as(out + "\n" + err).isZero();
        assertThat(query(replicas.get(0), "SELECT pg_is_in_recovery()::text")).isEqualTo("false");
        assertThat(query(replicas.get(0), "SELECT count(*)::text FROM promote_probe")).isEqualTo("1000");
        execute(replicas.get(0), "INSERT INTO promote_probe VALUES (1001)");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(query(replicas.get(1), "SELECT count(*)::text FROM promote_probe")).isEqualTo("1001"));
    }

    private static String[] append(String[] args, String... more) {
        String[] all = Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    private static int mnemo(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new MnemoCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static void execute(PostgresEndpoint endpoint, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.user(),
                endpoint.password()); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String query(PostgresEndpoint endpoint, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.user(),
                endpoint.password()); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }
}
