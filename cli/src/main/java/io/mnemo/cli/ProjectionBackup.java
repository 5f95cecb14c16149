package io.mnemo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mnemo.kit.db.Daos;
import io.mnemo.processors.db.CatalogDao;
import io.mnemo.processors.db.LocksDao;
import io.mnemo.processors.db.MemoriesDao;
import io.mnemo.processors.db.TableCopies;
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
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
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
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * A logical backup of the Mnemo database taken with the tools this project ships (pgjdbc's COPY protocol; the
 * embedded Postgres has no pg_dump): every table of schema public, read in ONE repeatable-read snapshot, so the
 * projections' rows and the offsets stored beside them are consistent with each other. Restored into an empty
 * database, the sinks resume from those offsets and catch up from the Kafka log, which is kept forever: nothing
 * accepted after the backup is lost. Files: {@code manifest.json} plus one gzip'd binary COPY per table. The
 * statements are the processors' ({@link CatalogDao}, {@link TableCopies}).
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
        Manifest manifest;
        try (Handle handle = Jdbi.create(db.url(), db.user(), db.password()).open()) {
            // pg_dump's snapshot: one consistent view of every table, no lock beyond ACCESS SHARE. The memories
            // projection's tables are locked BEFORE the snapshot is taken (LOCK takes none), so a rebuild cannot
            // swap them between the snapshot and their COPY (it waits, or backs off and retries); the order is the
            // swap's own, so the two cannot deadlock.
            handle.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
            handle.setReadOnly(true);
            handle.begin();
            try {
                Daos.attach(handle, LocksDao.class).lockProjectionForSnapshot();
                CatalogDao catalog = Daos.attach(handle, CatalogDao.class);
                String flyway = catalog.schemaVersion();
                String server = catalog.serverVersion();
                List<String> tables = tablesInDependencyOrder(catalog);
                List<LocalDate> months = catalog.memoriesMonths();
                int hash = catalog.mostHashPartitionsOfAMonth();
                Map<String, Long> rows = new LinkedHashMap<>();
                Map<String, String> digests = new LinkedHashMap<>();
                for (String table : tables) {
                    MessageDigest sha = sha256();
                    try (OutputStream file = new DigestOutputStream(Files.newOutputStream(
                            directory.resolve(table + ".copy.gz")), sha);
                         OutputStream out = new GZIPOutputStream(file, 1 << 16)) {
                        rows.put(table, TableCopies.copyOut(handle, table, out));
                    }
                    digests.put(table, HexFormat.of().formatHex(sha.digest()));
                    progress.accept(String.format("  %-24s %,12d rows", table, rows.get(table)));
                }
                handle.commit();
                manifest = new Manifest(flyway, server, Instant.now(),
                        months.stream().map(LocalDate::toString).toList(), hash, rows, digests);
            } catch (SQLException | IOException | RuntimeException e) {
                handle.rollback();
                throw e;
            }
        }
        JSON.writeValue(directory.resolve(MANIFEST).toFile(), manifest);
        return manifest;
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
        try (Handle handle = Jdbi.create(db.url(), db.user(), db.password()).open()) {
            handle.begin();
            try {
                for (String table : manifest.rows().keySet()) {
                    if (!TableCopies.isEmpty(handle, table)) {
                        throw new IllegalStateException("Table " + table + " is not empty: restore only into a fresh "
                                + "database (CREATE DATABASE …, then point the services at it).");
                    }
                }
                MemoriesDao memories = Daos.attach(handle, MemoriesDao.class);
                for (String month : manifest.months()) {
                    memories.ensureMonth(LocalDate.parse(month), manifest.hashPartitions());
                }
                for (Map.Entry<String, Long> table : manifest.rows().entrySet()) {
                    try (InputStream in = new GZIPInputStream(Files.newInputStream(
                            directory.resolve(table.getKey() + ".copy.gz")), 1 << 16)) {
                        long n = TableCopies.copyIn(handle, table.getKey(), in);
                        if (n != table.getValue()) {
                            throw new IllegalStateException(table.getKey() + ": loaded " + n + " rows, backup has "
                                    + table.getValue());
                        }
                    }
                    progress.accept(String.format("  %-24s %,12d rows", table.getKey(), table.getValue()));
                }
                handle.commit();
            } catch (SQLException | IOException | RuntimeException e) {
                handle.rollback();
                throw e;
            }
        }
        ProjectionMigrations.migrate(db.url(), db.user(), db.password());
        return manifest;
    }

    /** Tables of schema public (partitions excluded, Flyway's own excluded), referenced tables first. */
    private static List<String> tablesInDependencyOrder(CatalogDao catalog) {
        List<String> tables = catalog.publicTables();
        Map<String, Set<String>> references = new LinkedHashMap<>();
        for (CatalogDao.Reference key : catalog.publicForeignKeys()) {
            references.computeIfAbsent(key.referencing(), k -> new LinkedHashSet<>()).add(key.referenced());
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
