package io.mnemo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mnemo.schemas.ProjectionMigrations;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * A logical backup of the Mnemo database taken with the tools this project ships (pgjdbc's COPY protocol; the
 * embedded Postgres has no pg_dump): every table of schema public, read in ONE repeatable-read snapshot, so the
 * projections' rows and the offsets stored beside them are consistent with each other. Restored into an empty
 * database, the sinks resume from those offsets and catch up from the Kafka log, which is kept forever: nothing
 * accepted after the backup is lost. Files: {@code manifest.json} plus one gzip'd binary COPY per table.
 */
final class ProjectionBackup {
    static final String MANIFEST = "manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .enable(SerializationFeature.INDENT_OUTPUT).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private ProjectionBackup() {
    }

    /** What one backup holds. */
    record Manifest(String flywayVersion, String serverVersion, Instant takenAt, List<String> months,
                    int hashPartitions, Map<String, Long> rows, Map<String, String> sha256) {
    }

    static Manifest backup(PostgresOptions.Connection db, Path directory, Consumer<String> progress)
            throws SQLException, IOException {
        Files.createDirectories(directory);
        if (Files.exists(directory.resolve(MANIFEST))) {
            throw new IllegalArgumentException(directory + " already holds a backup");
        }
        try (Connection connection = DriverManager.getConnection(db.url(), db.user(), db.password())) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                // pg_dump's snapshot: one consistent view of every table, no lock beyond ACCESS SHARE. The memories
                // projection's tables are locked BEFORE the snapshot is taken (LOCK takes none), so a rebuild cannot
                // swap them between the snapshot and their COPY (it waits, or backs off and retries); the order is the
                // swap's own, so the two cannot deadlock.
                statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                statement.execute("LOCK TABLE public.memory_locator, public.memories, public.projection_offsets, "
                        + "public.projection_watermarks IN ACCESS SHARE MODE");
                String flyway = single(statement, "SELECT version FROM flyway_schema_history WHERE success "
                        + "AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1");
                String server = single(statement, "SHOW server_version");
                List<String> tables = tablesInDependencyOrder(statement);
                List<String> months = list(statement, """
                        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                        WHERE i.inhparent = 'public.memories'::regclass AND c.relname ~ '^memories_p[0-9]{6}$'
                        ORDER BY 1""");
                int hash = Integer.parseInt(single(statement, """
                        SELECT coalesce(max(n), 8) FROM (SELECT count(*) AS n FROM pg_inherits i
                            JOIN pg_inherits m ON m.inhrelid = i.inhparent
                            WHERE m.inhparent = 'public.memories'::regclass GROUP BY i.inhparent) counts"""));
                CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
                Map<String, Long> rows = new LinkedHashMap<>();
                Map<String, String> digests = new LinkedHashMap<>();
                for (String table : tables) {
                    MessageDigest sha = sha256();
                    try (OutputStream file = new DigestOutputStream(Files.newOutputStream(
                            directory.resolve(table + ".copy.gz")), sha);
                         OutputStream out = new GZIPOutputStream(file, 1 << 16)) {
                        long n = copy.copyOut("COPY (SELECT * FROM public." + table + ") TO STDOUT (FORMAT binary)",
                                out);
                        rows.put(table, n);
                    }
                    digests.put(table, HexFormat.of().formatHex(sha.digest()));
                    progress.accept(String.format("  %-24s %,12d rows", table, rows.get(table)));
                }
                connection.commit();
                Manifest manifest = new Manifest(flyway, server, Instant.now(),
                        months.stream().map(m -> m.substring(10, 14) + "-" + m.substring(14, 16) + "-01").toList(),
                        hash, rows, digests);
                JSON.writeValue(directory.resolve(MANIFEST).toFile(), manifest);
                return manifest;
            }
        }
    }

    /**
     * Restores a backup into an EMPTY database: migrates it to the backup's schema version, creates the memories
     * months, loads every table in one transaction (all or nothing), then migrates to the latest version.
     */
    static Manifest restore(PostgresOptions.Connection db, Path directory, Consumer<String> progress)
            throws SQLException, IOException {
        JsonNode json = JSON.readTree(directory.resolve(MANIFEST).toFile());
        Manifest manifest = JSON.treeToValue(json, Manifest.class);
        for (Map.Entry<String, String> entry : manifest.sha256().entrySet()) {
            String actual = sha256Of(directory.resolve(entry.getKey() + ".copy.gz"));
            if (!actual.equals(entry.getValue())) {
                throw new IllegalStateException("Backup file " + entry.getKey() + ".copy.gz is damaged (sha256 "
                        + actual + ", manifest says " + entry.getValue() + ")");
            }
        }
        ProjectionMigrations.migrate(db.url(), db.user(), db.password(), manifest.flywayVersion());
        try (Connection connection = DriverManager.getConnection(db.url(), db.user(), db.password())) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                for (String table : manifest.rows().keySet()) {
                    if (!single(statement, "SELECT NOT EXISTS (SELECT 1 FROM public." + table + ")").equals("t")) {
                        throw new IllegalStateException("Table " + table + " is not empty: restore only into a fresh "
                                + "database (CREATE DATABASE …, then point the services at it).");
                    }
                }
                for (String month : manifest.months()) {
                    statement.execute("SELECT mnemo_ensure_memories_month(DATE '" + month + "', "
                            + manifest.hashPartitions() + ")");
                }
                CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
                for (Map.Entry<String, Long> table : manifest.rows().entrySet()) {
                    try (InputStream in = new GZIPInputStream(Files.newInputStream(
                            directory.resolve(table.getKey() + ".copy.gz")), 1 << 16)) {
                        long n = copy.copyIn("COPY public." + table.getKey() + " FROM STDIN (FORMAT binary)", in);
                        if (n != table.getValue()) {
                            throw new IllegalStateException(table.getKey() + ": loaded " + n + " rows, backup has "
                                    + table.getValue());
                        }
                    }
                    progress.accept(String.format("  %-24s %,12d rows", table.getKey(), table.getValue()));
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
        ProjectionMigrations.migrate(db.url(), db.user(), db.password());
        return manifest;
    }

    /** Tables of schema public (partitions excluded, Flyway's own excluded), referenced tables first. */
    private static List<String> tablesInDependencyOrder(Statement statement) throws SQLException {
        List<String> tables = list(statement, """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                  AND c.relname <> 'flyway_schema_history' ORDER BY 1""");
        Map<String, Set<String>> references = new LinkedHashMap<>();
        try (ResultSet rs = statement.executeQuery("""
                SELECT src.relname, dst.relname FROM pg_constraint k
                JOIN pg_class src ON src.oid = k.conrelid JOIN pg_class dst ON dst.oid = k.confrelid
                JOIN pg_namespace n ON n.oid = src.relnamespace
                WHERE k.contype = 'f' AND n.nspname = 'public'""")) {
            while (rs.next()) {
                references.computeIfAbsent(rs.getString(1), k -> new LinkedHashSet<>()).add(rs.getString(2));
            }
        }
        List<String> ordered = new ArrayList<>();
        while (ordered.size() < tables.size()) {
            int before = ordered.size();
            for (String table : tables) {
                if (!ordered.contains(table) && ordered.containsAll(references.getOrDefault(table, Set.of())
                        .stream().filter(tables::contains).toList())) {
                    ordered.add(table);
                }
            }
            if (ordered.size() == before) {
                throw new IllegalStateException("circular foreign keys among " + tables);
            }
        }
        return ordered;
    }

    private static String single(Statement statement, String sql) throws SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static List<String> list(Statement statement, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static String sha256Of(Path file) throws IOException {
        MessageDigest sha = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
