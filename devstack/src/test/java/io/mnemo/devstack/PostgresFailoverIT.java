package io.mnemo.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A primary with two streaming replicas on its own stack: failover to a replica, the other follows, the old rejoins. */
class PostgresFailoverIT {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresFailoverIT.class);

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
    void failsOverWithoutLosingAcknowledgedWritesWhileTheOtherReplicaFollowsAndTheOldPrimaryRejoinsAsAStandby()
            throws Exception {
        PostgresServer oldPrimary = devstack.primaryServer();
        PostgresServer promoted = devstack.replicaServers().get(0);
        PostgresServer follower = devstack.replicaServers().get(1);
        String writerUrl = devstack.primaryUrlAllHosts();
        assertThat(writerUrl).contains("targetServerType=primary").contains("," + "127.0.0.1:" + follower.port());
        try (Connection connection = connect(writerUrl); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE failover_probe (id int PRIMARY KEY)");
        }
        insert(writerUrl, -1);
        for (PostgresServer replica : List.of(promoted, follower)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> count(replica, "id = -1") == 1);
        }

        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger next = new AtomicInteger();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (Connection connection = connect(writerUrl);
                 PreparedStatement insert = connection.prepareStatement("INSERT INTO failover_probe VALUES (?)")) {
                while (writing.get()) {
                    int id = next.incrementAndGet();
                    insert.setInt(1, id);
                    insert.executeUpdate();
                    acknowledged.add(id);
                }
            } catch (SQLException e) {
                // the primary died under the writer: what it had acknowledged so far is what must survive
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.size() >= 200);

        long killed = System.nanoTime();
        ProcessHandle postmaster = ProcessHandle.of(oldPrimary.pid()).orElseThrow();
        postmaster.destroyForcibly();
        postmaster.onExit().get(10, TimeUnit.SECONDS);
        writing.set(false);
        writer.get(10, TimeUnit.SECONDS);
        long promoting = System.nanoTime();
        devstack.promote(0);
        long promotedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                .until(() -> insert(writerUrl, 0));
        long writable = System.nanoTime();
        LOG.info("failover: kill -> promote() called {} ms, promote() took {} ms, kill -> first write through the "
                        + "all-hosts URL {} ms ({} writes acknowledged before the kill)",
                (promoting - killed) / 1_000_000, (promotedAt - promoting) / 1_000_000,
                (writable - killed) / 1_000_000, acknowledged.size());

        assertThat(devstack.primaryServer()).isSameAs(promoted);
        assertThat(queryString(promoted, "SELECT pg_is_in_recovery()::text")).isEqualTo("false");
        assertThat(ids(promoted)).containsAll(acknowledged).contains(-1, 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(follower, "id = 0") == 1);
        assertThat(queryString(follower, "SELECT pg_is_in_recovery()::text")).isEqualTo("true");
        assertThat(queryString(promoted, "SELECT string_agg(application_name, ',') FROM pg_stat_replication"))
                .isEqualTo(follower.name());

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> {
                    oldPrimary.restartAfterCrash();
                    return oldPrimary.isRunning();
                });
        insert(writerUrl, -2);
        assertThat(queryString(oldPrimary, "SELECT pg_is_in_recovery()::text")).isEqualTo("true");
        await().atMost(Duration.ofSeconds(10)).until(() -> count(oldPrimary, "id IN (0, -2)") == 2);
        assertThat(devstack.replicaServers()).containsExactly(oldPrimary, follower);
        try (Connection reader = connect(devstack.readerUrlAllHosts());
             Statement statement = reader.createStatement();
             ResultSet recovery = statement.executeQuery("SELECT pg_is_in_recovery()")) {
            recovery.next();
            assertThat(recovery.getBoolean(1)).isTrue();
        }
    }

    private static boolean insert(String url, int id) throws SQLException {
        try (Connection connection = connect(url);
             PreparedStatement insert = connection.prepareStatement("INSERT INTO failover_probe VALUES (?)")) {
            insert.setInt(1, id);
            return insert.executeUpdate() == 1;
        }
    }

    private static long count(PostgresServer server, String where) throws SQLException {
        return Long.parseLong(queryString(server, "SELECT count(*)::text FROM failover_probe WHERE " + where));
    }

    private static Set<Integer> ids(PostgresServer server) throws SQLException {
        Set<Integer> ids = new HashSet<>();
        try (Connection connection = connect(server.endpoint().jdbcUrl());
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT id FROM failover_probe")) {
            while (rows.next()) {
                ids.add(rows.getInt(1));
            }
        }
        return ids;
    }

    private static String queryString(PostgresServer server, String sql) throws SQLException {
        try (Connection connection = connect(server.endpoint().jdbcUrl());
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }

    private static Connection connect(String url) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", PostgresServer.USER);
        properties.setProperty("password", PostgresServer.PASSWORD);
        properties.setProperty("connectTimeout", "2");
        return DriverManager.getConnection(url, properties);
    }
}
