package io.mnemo.schemas;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The services' Postgres login roles (migration V15) and where their passwords come from: the migration runner's
 * configuration or environment ({@code MNEMO_PG_<ROLE>_PASSWORD}), never a SQL file. Every migration run sets the
 * password of each role given one (so a rotation is: change the secret, migrate, restart the service). The driver
 * hashes the password (SCRAM-SHA-256) before sending it: no statement or server log holds it in clear.
 */
public final class ServiceRoles {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceRoles.class);

    /** The ingest API: api_keys (read), user_data_keys (read, make, erase). */
    public static final String INGEST = "mnemo_ingest";
    /** The query service: api_keys and the projections it serves, read-only. */
    public static final String QUERY = "mnemo_query";
    /** The stream processors' sinks: the projections, their offsets and watermarks; user_data_keys (read). */
    public static final String PROCESSOR = "mnemo_processor";
    /** Analysts (V9): the analytics views. */
    public static final String READER = "mnemo_reader";

    /** Role and the environment variable holding its password. */
    public static final Map<String, String> PASSWORD_VARIABLES = Map.of(
            INGEST, "MNEMO_PG_INGEST_PASSWORD",
            QUERY, "MNEMO_PG_QUERY_PASSWORD",
            PROCESSOR, "MNEMO_PG_PROCESSOR_PASSWORD",
            READER, "MNEMO_PG_READER_PASSWORD");

    private ServiceRoles() {
    }

    /** Role and password, for each role whose variable is set and not empty in {@code environment}. */
    public static Map<String, String> passwordsFrom(Map<String, String> environment) {
        Map<String, String> passwords = new TreeMap<>();
        PASSWORD_VARIABLES.forEach((role, variable) -> {
            String secret = environment.get(variable);
            if (secret != null && !secret.isEmpty()) {
                passwords.put(role, secret);
            }
        });
        return passwords;
    }

    /**
     * Sets the password of each role in {@code passwords} (role to password; empty ones skipped) that exists.
     * Returns the roles whose password was set. Needs a login that may alter the roles (the owner that created
     * them, or one with CREATEROLE).
     */
    public static List<String> applyPasswords(String jdbcUrl, String user, String password,
                                              Map<String, String> passwords) {
        List<String> set = new ArrayList<>();
        if (passwords.values().stream().allMatch(v -> v == null || v.isEmpty())) {
            return set;
        }
        try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password)) {
            for (var entry : new TreeMap<>(passwords).entrySet()) {
                String secret = entry.getValue();
                if (!PASSWORD_VARIABLES.containsKey(entry.getKey())) {
                    throw new IllegalArgumentException("not a service role: " + entry.getKey());
                }
                if (secret == null || secret.isEmpty() || !exists(connection, entry.getKey())) {
                    continue;
                }
                connection.unwrap(PGConnection.class).alterUserPassword(entry.getKey(), secret.toCharArray(),
                        "scram-sha-256");
                set.add(entry.getKey());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not set the services' Postgres passwords: " + e.getMessage(), e);
        }
        if (!set.isEmpty()) {
            LOG.info("Set the Postgres password of {}", set);
        }
        return set;
    }

    private static boolean exists(Connection connection, String role) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            statement.setString(1, role);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next();
            }
        }
    }
}
