package io.mnemo.processors.rebuild;

import io.mnemo.kit.db.Daos;
import io.mnemo.kit.db.SettingsDao;
import io.mnemo.processors.db.CatalogDao;
import io.mnemo.processors.db.MemoriesDao;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * The DDL of a blue/green rebuild of the memories projection: a schema holding an empty copy of the live tables
 * (same columns, constraints and index names, so later migrations find what they expect), the secondary indexes
 * added once the bulk of the rows is in, and the swap that moves the live tables out and the copy in, in one
 * transaction. Table names are never qualified in the writers: they resolve through {@code search_path}. Every
 * statement here names a schema, so it is built here; what it reads of the catalog comes from {@link CatalogDao}.
 */
final class CandidateSchema {
    /** The projection's own tables: what a rebuild rebuilds and a swap moves. */
    static final List<String> TABLES = List.of("memory_locator", "memories");
    /** Bookkeeping copied beside them (only the projection's rows are carried over at the swap). */
    static final List<String> BOOKKEEPING = List.of("projection_offsets", "projection_watermarks");
    static final String LIVE = "public";

    private final String schema;

    CandidateSchema(String schema) {
        if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a plain schema name: " + schema);
        }
        this.schema = schema;
    }

    String name() {
        return schema;
    }

    static boolean exists(Handle handle, String schema) {
        return catalog(handle).schemaExists(schema);
    }

    /** Whether the schema holds every table of a candidate (a kept old copy does too). */
    boolean isComplete(Handle handle) {
        for (String table : concat(TABLES, BOOKKEEPING)) {
            if (!catalog(handle).relationExists(schema + "." + table)) {
                return false;
            }
        }
        return true;
    }

    /** Drops the schema with everything in it, if it exists. */
    void drop(Handle handle) {
        handle.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    /**
     * Creates the schema and empty copies of the live tables with their primary keys (the writers' upserts need
     * them); secondary indexes come later ({@link #createSecondaryIndexes}), which is much faster than
     * maintaining them row by row during the bulk load. Months are created like the live ones: on demand.
     */
    void create(Handle handle) {
        handle.useTransaction(tx -> {
            tx.execute("CREATE SCHEMA " + schema);
            for (String table : TABLES) {
                String partitionKey = catalog(tx).partitionKey(LIVE + "." + table);
                tx.execute("CREATE TABLE " + schema + "." + table + " (LIKE " + LIVE + "." + table
                        + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY"
                        + " INCLUDING STORAGE INCLUDING COMMENTS)"
                        + (partitionKey == null ? "" : " PARTITION BY " + partitionKey));
                for (CatalogDao.Definition key : catalog(tx).uniqueConstraints(LIVE + "." + table)) {
                    tx.execute("ALTER TABLE " + schema + "." + table + " ADD CONSTRAINT " + key.name() + " "
                            + key.definition());
                }
            }
            tx.execute("CREATE TABLE " + schema + ".memories_default PARTITION OF " + schema + ".memories DEFAULT");
            for (String table : BOOKKEEPING) {
                tx.execute("CREATE TABLE " + schema + "." + table + " (LIKE " + LIVE + "." + table
                        + " INCLUDING ALL)");
            }
        });
    }

    /**
     * The live table's secondary indexes, created on the copy under the same names (skipping those present), then
     * VACUUM ANALYZE; returns what was done, with timings.
     */
    List<String> createSecondaryIndexes(Handle handle) {
        List<String> done = new ArrayList<>();
        // GIN builds are far faster with room to sort in memory; the session's setting only
        Daos.attach(handle, SettingsDao.class).setForSession("maintenance_work_mem", "256MB");
        for (String table : TABLES) {
            // Vacuumed and analysed before the secondary indexes exist: only the primary key to clean of the rows
            // revised during the load, and no expression statistics to compute (to_tsvector on every sampled row of
            // every partition took longer than building the index). Autovacuum then has nothing to do on the copy
            // when the swap wants its locks; expression statistics come with the first autovacuum after the swap.
            long vacuumStarted = System.nanoTime();
            handle.execute("VACUUM (ANALYZE) " + schema + "." + table);
            done.add(String.format("vacuum %s %.1f s", table, (System.nanoTime() - vacuumStarted) / 1e9));
            for (String definition : catalog(handle).secondaryIndexDefinitions(LIVE + "." + table)) {
                String indexName = definition.replaceFirst("^CREATE (UNIQUE )?INDEX (\\S+) ON .*$", "$2");
                if (!catalog(handle).relationExists(schema + "." + indexName)) {
                    long started = System.nanoTime();
                    handle.execute(retarget(definition, table));
                    done.add(String.format("%s %.1f s", indexName, (System.nanoTime() - started) / 1e9));
                }
            }
        }
        return done;
    }

    /**
     * Inside the caller's transaction: the given months (first days) with {@code hashPartitions} sub-partitions
     * each in the copy, those it lacks created. The transaction's search_path is {@value #LIVE} again afterwards.
     */
    void ensureMonths(Handle tx, List<LocalDate> months, int hashPartitions) {
        SettingsDao settings = Daos.attach(tx, SettingsDao.class);
        // mnemo_ensure_memories_month creates the month in the first schema of search_path
        settings.setForTransaction("search_path", schema + ", " + LIVE);
        MemoriesDao memories = Daos.attach(tx, MemoriesDao.class);
        for (LocalDate month : months) {
            memories.ensureMonth(month, hashPartitions);
        }
        settings.setForTransaction("search_path", LIVE);
    }

    /**
     * Inside the caller's transaction (live writers fenced): moves every table of the live projection, its
     * partitions included, into {@code retired}, moves the copy's tables into {@code public}, carries the
     * projection's offsets and watermarks over (the old ones go with the old tables) and re-creates the views
     * that read the tables so they read the new ones. Readers wait on the ACCESS EXCLUSIVE locks for the few
     * milliseconds this takes; they never see a missing table.
     */
    String swapInto(Handle tx, String retired, String projection) {
        long started = System.nanoTime();
        List<CatalogDao.Definition> views = dependentViews(tx);
        // The order readers take them in (locator, then memories and its partitions): no deadlock with a reader.
        tx.execute("LOCK TABLE " + LIVE + ".memory_locator, " + LIVE + ".memories IN ACCESS EXCLUSIVE MODE");
        long locked = System.nanoTime();
        tx.execute("CREATE SCHEMA " + retired);
        for (String table : BOOKKEEPING) {
            tx.execute("CREATE TABLE " + retired + "." + table + " (LIKE " + LIVE + "." + table + " INCLUDING ALL)");
            tx.createUpdate("INSERT INTO " + retired + "." + table + " SELECT * FROM " + LIVE + "." + table
                    + " WHERE projection = :p").bind("p", projection).execute();
            tx.createUpdate("DELETE FROM " + LIVE + "." + table + " WHERE projection = :p").bind("p", projection)
                    .execute();
            tx.createUpdate("INSERT INTO " + LIVE + "." + table + " SELECT * FROM " + schema + "." + table
                    + " WHERE projection = :p").bind("p", projection).execute();
        }
        long copied = System.nanoTime();
        int moved = 0;
        for (String relation : relationsToMove(tx, LIVE)) {
            moved++;
            tx.execute("ALTER TABLE " + LIVE + "." + relation + " SET SCHEMA " + retired);
        }
        for (String relation : relationsToMove(tx, schema)) {
            tx.execute("ALTER TABLE " + schema + "." + relation + " SET SCHEMA " + LIVE);
        }
        long swapped = System.nanoTime();
        for (CatalogDao.Definition view : views) {
            tx.execute("CREATE OR REPLACE VIEW " + view.name() + " AS " + view.definition());
        }
        // The tables moved into public are new tables: the services' grants (V15) are given to them again.
        tx.execute("""
                DO $$ BEGIN
                    IF to_regprocedure('public.mnemo_grant_service_privileges()') IS NOT NULL THEN
                        PERFORM public.mnemo_grant_service_privileges();
                    END IF;
                END $$""");
        tx.execute("DROP SCHEMA " + schema + " CASCADE");
        return String.format("locks %d ms, offsets %d ms, %d relations each way %d ms, %d view(s) and cleanup %d ms",
                (locked - started) / 1_000_000, (copied - locked) / 1_000_000, moved, (swapped - copied) / 1_000_000,
                views.size(), (System.nanoTime() - swapped) / 1_000_000);
    }

    /** The projection's tables in {@code in}, every partition of memories included, parents first. */
    private static List<String> relationsToMove(Handle tx, String in) {
        List<String> relations = new ArrayList<>();
        relations.add("memory_locator");
        relations.addAll(catalog(tx).partitionTree(in + ".memories"));
        return relations;
    }

    /** Views reading the live tables, with definitions whose table names are schema-qualified. */
    private static List<CatalogDao.Definition> dependentViews(Handle tx) {
        SettingsDao settings = Daos.attach(tx, SettingsDao.class);
        // with an empty search_path Postgres prints every name of a definition with its schema
        settings.setForTransaction("search_path", "");
        List<CatalogDao.Definition> views = catalog(tx).viewsOfMemories();
        settings.setForTransaction("search_path", LIVE);
        return views;
    }

    private static CatalogDao catalog(Handle handle) {
        return Daos.attach(handle, CatalogDao.class);
    }

    private static final Pattern ON_LIVE = Pattern.compile(" ON (ONLY )?public\\.(\\w+) ");

    /** The same index on the copy ({@code ON ONLY} would leave the index of a partitioned table invalid). */
    private String retarget(String definition, String table) {
        Matcher on = ON_LIVE.matcher(definition);
        if (!on.find() || !on.group(2).equals(table)) {
            throw new IllegalStateException("unexpected index definition: " + definition);
        }
        return definition.substring(0, on.start()) + " ON " + schema + "." + table + " "
                + definition.substring(on.end());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
