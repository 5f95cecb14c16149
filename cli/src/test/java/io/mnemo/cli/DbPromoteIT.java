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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code mnemo db promote} on its own stack of a primary and two replicas, over SQL only. */
class DbPromoteIT {
    private static Devstack devstack;

    @BeforeAll
    static void startStack() throws Exception {
        devstack = Devstack.start(DevstackOptions.ephemeral().withReplicas(2));
    }

    @AfterAll
    static void stopStack() {
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
