package io.mnemo.processors.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mnemo.devstack.DevstackExtension;
import io.mnemo.devstack.PostgresEndpoint;
import io.mnemo.kit.crypto.EncryptionFactory;
import io.mnemo.kit.crypto.UserKeyStore;
import io.mnemo.kit.crypto.UserRef;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.ServiceRoles;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The services' Postgres roles (V15) on the devstack's real Postgres, logged in as each role (trust authentication
 * on loopback): each can do what its service does, and nothing else. The rest of the suite runs every service as
 * its role (PlatformApps, mnemo dev), which proves the grants are enough; this proves they are no more.
 */
@ExtendWith(DevstackExtension.class)
class ServiceRolesIT {
    private static final String DENIED = "42501";
    private static PostgresEndpoint pg;

    @BeforeAll
    static void migrate() {
        pg = DevstackExtension.devstack().primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
    }

    @Test
    void eachServiceRoleHoldsExactlyThePrivilegesOfItsService() throws SQLException {
        assertThat(tablePrivileges(ServiceRoles.INGEST)).isEqualTo(Map.of(
                "api_keys", Set.of("SELECT"),
                "user_data_keys", Set.of("SELECT", "INSERT", "UPDATE"),
                "rate_limit_buckets", Set.of("SELECT", "INSERT", "UPDATE")));
        Set<String> read = Set.of("SELECT");
        assertThat(tablePrivileges(ServiceRoles.QUERY)).isEqualTo(Map.of(
                "api_keys", read, "memories", read, "memory_locator", read, "memory_search", read,
                "user_activity_daily", read, "media", read, "memory_media", read, "projection_watermarks", read,
                "rate_limit_buckets", Set.of("SELECT", "INSERT", "UPDATE")));
        Set<String> write = Set.of("SELECT", "INSERT", "UPDATE", "DELETE");
        assertThat(tablePrivileges(ServiceRoles.PROCESSOR)).isEqualTo(new TreeMap<>(Map.ofEntries(
                Map.entry("memories", write), Map.entry("memories_default", write), Map.entry("memory_locator", write),
                Map.entry("memory_search", write), Map.entry("user_activity_daily", write), Map.entry("media", write),
                Map.entry("memory_media", write), Map.entry("media_memory_versions", write),
                Map.entry("projection_offsets", write), Map.entry("projection_watermarks", write),
                Map.entry("projection_maintenance", read), Map.entry("user_data_keys", read))));
    }

    @Test
    void noServiceRoleOwnsAnythingOrMayCreateObjects() throws SQLException {
        try (Connection owner = connect(pg.user()); Statement statement = owner.createStatement();
             var rows = statement.executeQuery("""
                     SELECT r.rolname, r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolbypassrls
                                OR r.rolreplication AS powerful,
                            has_schema_privilege(r.rolname, 'public', 'CREATE') AS creates,
                            (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid) AS owns
                     FROM pg_roles r WHERE r.rolname IN ('mnemo_ingest', 'mnemo_query', 'mnemo_processor')""")) {
            int roles = 0;
            while (rows.next()) {
                roles++;
                assertThat(rows.getBoolean("powerful")).as(rows.getString(1)).isFalse();
                assertThat(rows.getBoolean("creates")).as(rows.getString(1)).isFalse();
                assertThat(rows.getLong("owns")).as(rows.getString(1)).isZero();
            }
            assertThat(roles).isEqualTo(3);
        }
    }

    @Test
    void ingestMakesReadsAndErasesUsersDataKeys() {
        UserKeyStore keys = new UserKeyStore(Jdbi.create(pg.jdbcUrl(), ServiceRoles.INGEST, pg.password()),
                new EncryptionFactory().buildMasterKey());
        UserRef user = new UserRef("roles-it", "u-" + UUID.randomUUID());

        assertThat(keys.keyForWriting(user)).isInstanceOf(UserKeyStore.Active.class);
        keys.erase(user);

        assertThat(keys.current(user)).containsInstanceOf(UserKeyStore.Erased.class);
    }

    @Test
    void ingestCannotReadOrWriteProjectionsNorWriteApiKeysNorDeleteDataKeys() throws SQLException {
        try (Connection ingest = connect(ServiceRoles.INGEST)) {
            assertThat(rows(ingest, "SELECT count(*) FROM api_keys")).isNotNegative();
            assertRefused(ingest, "SELECT count(*) FROM memories", DENIED);
            assertRefused(ingest, "SELECT count(*) FROM memory_search", DENIED);
            assertRefused(ingest, "DELETE FROM memories", DENIED);
            assertRefused(ingest, "UPDATE api_keys SET revoked_at = NULL", DENIED);
            assertRefused(ingest, "INSERT INTO api_keys (key_id, tenant_id, name, secret_hash, scopes) "
                    + "VALUES ('k', 't', 'n', repeat('0', 64), '{}')", DENIED);
            assertRefused(ingest, "DELETE FROM user_data_keys", DENIED);
            assertRefused(ingest, "SELECT mnemo_ensure_memories_month('2001-01-01')", DENIED);
            assertRefused(ingest, "SELECT mnemo_create_memories_month('public', '2001-01-01', 2)", DENIED);
        }
    }

    @Test
    void queryReadsWhatItServesAndApiKeys() throws SQLException {
        try (Connection query = connect(ServiceRoles.QUERY)) {
            for (String table : List.of("api_keys", "memories", "memory_locator", "memory_search",
                    "user_activity_daily", "media", "memory_media", "projection_watermarks")) {
                assertThat(rows(query, "SELECT count(*) FROM " + table)).as(table).isNotNegative();
            }
        }
    }

    @Test
    void queryCannotWriteAnythingEvenOutsideAReadOnlyTransactionNorReadDataKeysOrOffsets() throws SQLException {
        try (Connection query = connect(ServiceRoles.QUERY)) {
            // the role's sessions are not read-only by default (pgjdbc would take the primary for a standby, V15):
            // the service's pools are; and in a read-write session the role still holds no write grant
            assertThat(rows(query, "SELECT count(*) FROM pg_settings WHERE name = 'transaction_read_only' "
                    + "AND setting = 'off'")).isEqualTo(1);
            assertRefused(query, "DELETE FROM memories", DENIED);
            assertRefused(query, "UPDATE api_keys SET revoked_at = NULL", DENIED);
            assertRefused(query, "DELETE FROM projection_watermarks", DENIED);
            assertRefused(query, "SELECT count(*) FROM user_data_keys", DENIED);
            assertRefused(query, "SELECT count(*) FROM projection_offsets", DENIED);
            assertRefused(query, "SELECT mnemo_ensure_memories_month('2001-01-01')", DENIED);
        }
    }

    @Test
    void processorCreatesAMonthItDoesNotOwnAndWritesIntoIt() throws SQLException {
        Jdbi processor = Jdbi.create(pg.jdbcUrl(), ServiceRoles.PROCESSOR, pg.password());
        // a month no other test writes: created by the function, owned by the schema's owner
        Instant occurred = Instant.parse("1987-0" + (1 + (int) (Math.random() * 9)) + "-15T12:00:00Z");
        new MemoryPartitions(processor, 2).ensureFor(List.of(occurred));

        try (Connection connection = connect(ServiceRoles.PROCESSOR)) {
            connection.setAutoCommit(false);
            String memory = UUID.randomUUID().toString();
            execute(connection, "INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, "
                    + "content, version, source_partition, source_offset) VALUES ('roles-it', 'u', '" + occurred
                    + "', '" + memory + "', now(), 'x', 1, 0, 0)");
            execute(connection, "UPDATE memories SET content = 'y' WHERE memory_id = '" + memory + "'");
            assertThat(rows(connection, "SELECT count(*) FROM memories WHERE memory_id = '" + memory + "'"))
                    .isEqualTo(1);
            execute(connection, "DELETE FROM memories WHERE memory_id = '" + memory + "'");
            execute(connection, "INSERT INTO projection_offsets (projection, topic, partition, next_offset) "
                    + "VALUES ('roles-it', 't', 0, 1)");
            assertThat(rows(connection, "SELECT count(*) FROM user_data_keys")).isNotNegative();
            connection.rollback();
        }
        try (Connection owner = connect(pg.user())) {
            assertThat(rows(owner, "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                    + "WHERE c.relname LIKE 'memories_p1987%' AND r.rolname = 'mnemo_processor'")).isZero();
        }
    }

    @Test
    void processorCannotTouchApiKeysWriteDataKeysOrChangeTheSchema() throws SQLException {
        try (Connection processor = connect(ServiceRoles.PROCESSOR)) {
            assertRefused(processor, "SELECT count(*) FROM api_keys", DENIED);
            assertRefused(processor, "UPDATE user_data_keys SET wrapped_key = NULL", DENIED);
            assertRefused(processor, "DELETE FROM user_data_keys", DENIED);
            assertRefused(processor, "ALTER TABLE memories ADD COLUMN roles_it integer", DENIED);
            assertRefused(processor, "DROP TABLE memory_search", DENIED);
            assertRefused(processor, "TRUNCATE projection_offsets", DENIED);
            assertRefused(processor, "CREATE TABLE roles_it (id integer)", DENIED);
            assertRefused(processor, "SELECT mnemo_grant_service_privileges()", DENIED);
        }
    }

    @Test
    void processorCannotMakeTheOwnerCreateAMonthUnderATableTheOwnerDoesNotOwn() throws SQLException {
        try (Connection processor = connect(ServiceRoles.PROCESSOR)) {
            // a schema whose "memories" is a view (the role cannot even put analytics in its search_path: it has no
            // USAGE there, so current_schema() skips it)
            assertRefused(processor, "SELECT public.mnemo_create_memories_month('analytics', '1986-01-01', 2)",
                    DENIED);
            // its own temporary "memories", first in its search_path
            execute(processor, "CREATE TEMP TABLE memories (occurred_at timestamptz) PARTITION BY RANGE (occurred_at)");
            execute(processor, "SET search_path = pg_temp, public");
            assertRefused(processor, "SELECT public.mnemo_ensure_memories_month('1986-01-01')", DENIED);
        }
    }

    @Test
    void migratingADatabaseWhoseRolesExistAlreadyGrantsThemAgain() throws SQLException {
        // roles are cluster-global: a second database on the server (a restore, a rebuild bench) finds them there
        String database = "roles_it_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection owner = connect(pg.user())) {
            execute(owner, "CREATE DATABASE " + database);
        }
        String url = pg.jdbcUrl().replace("/" + pg.database(), "/" + database);
        try {
            ProjectionMigrations.migrate(url, pg.user(), pg.password());
            try (Connection ingest = DriverManager.getConnection(url, ServiceRoles.INGEST, pg.password())) {
                assertThat(rows(ingest, "SELECT count(*) FROM api_keys")).isZero();
                assertRefused(ingest, "SELECT count(*) FROM memories", DENIED);
            }
        } finally {
            try (Connection owner = connect(pg.user())) {
                execute(owner, "DROP DATABASE " + database + " WITH (FORCE)");
            }
        }
    }

    @Test
    void passwordsComeFromTheEnvironmentAndReachPostgresOnlyHashed() throws SQLException {
        String secret = "roles-it-" + UUID.randomUUID();
        List<String> set = ServiceRoles.applyPasswords(pg.jdbcUrl(), pg.user(), pg.password(),
                ServiceRoles.passwordsFrom(Map.of("MNEMO_PG_READER_PASSWORD", secret, "MNEMO_PG_QUERY_PASSWORD", "")));
        try (Connection owner = connect(pg.user())) {
            try (Statement statement = owner.createStatement();
                 var row = statement.executeQuery("SELECT rolpassword FROM pg_authid WHERE rolname = 'mnemo_reader'")) {
                assertThat(row.next()).isTrue();
                assertThat(row.getString(1)).startsWith("SCRAM-SHA-256$").doesNotContain(secret);
            } finally {
                execute(owner, "ALTER ROLE mnemo_reader PASSWORD NULL");
            }
        }
        assertThat(set).containsExactly(ServiceRoles.READER);
    }

    /** Table and privilege the role holds in schema public, directly or through PUBLIC. */
    private static Map<String, Set<String>> tablePrivileges(String role) throws SQLException {
        Map<String, Set<String>> privileges = new TreeMap<>();
        try (Connection owner = connect(pg.user()); var statement = owner.prepareStatement("""
                SELECT c.relname, p.privilege FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
                CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES',
                                        'TRIGGER']) AS p(privilege)
                WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND has_table_privilege(?, c.oid, p.privilege)""")) {
            statement.setString(1, role);
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    privileges.computeIfAbsent(rows.getString(1), t -> new TreeSet<>()).add(rows.getString(2));
                }
            }
        }
        return privileges;
    }

    private static Connection connect(String user) throws SQLException {
        return DriverManager.getConnection(pg.jdbcUrl(), user, pg.password());
    }

    private static long rows(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); var result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static void assertRefused(Connection connection, String sql, String sqlState) {
        assertThatThrownBy(() -> execute(connection, sql)).as(sql).isInstanceOf(SQLException.class)
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo(sqlState);
    }
}
