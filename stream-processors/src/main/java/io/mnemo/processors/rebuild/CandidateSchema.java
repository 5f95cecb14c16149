package io.mnemo.processors.rebuild;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * The DDL of a blue/green rebuild of the memories projection: a schema holding an empty copy of the live tables
 * (same columns, constraints and index names, so later migrations find what they expect), the secondary indexes
 * added once the bulk of the rows is in, and the swap that moves the live tables out and the copy in, in one
 * transaction. Table names are never qualified in the writers: they resolve through {@code search_path}.
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
        return handle.createQuery("SELECT to_regnamespace(:s) IS NOT NULL").bind("s", schema)
                .mapTo(Boolean.class).one();
    }

    /** Whether the schema holds every table of a candidate (a kept old copy does too). */
    boolean isComplete(Handle handle) {
        for (String table : concat(TABLES, BOOKKEEPING)) {
            if (!handle.createQuery("SELECT to_regclass(:t) IS NOT NULL").bind("t", schema + "." + table)
                    .mapTo(Boolean.class).one()) {
                return false;
            }
        }
        return true;
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
                String partitionKey = tx.createQuery("SELECT pg_get_partkeydef(CAST(:t AS regclass))")
                        .bind("t", LIVE + "." + table).mapTo(String.class).findOne().orElse(null);
                tx.execute("CREATE TABLE " + schema + "." + table + " (LIKE " + LIVE + "." + table
                        + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY"
                        + " INCLUDING STORAGE INCLUDING COMMENTS)"
                        + (partitionKey == null ? "" : " PARTITION BY " + partitionKey));
                for (Map.Entry<String, String> key : uniqueConstraints(tx, table).entrySet()) {
                    tx.execute("ALTER TABLE " + schema + "." + table + " ADD CONSTRAINT " + key.getKey() + " "
                            + key.getValue());
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
        handle.execute("SET maintenance_work_mem = '256MB'");
        for (String table : TABLES) {
            // Vacuumed and analysed before the secondary indexes exist: only the primary key to clean of the rows
            // revised during the load, and no expression statistics to compute (to_tsvector on every sampled row of
            // every partition took longer than building the index). Autovacuum then has nothing to do on the copy
            // when the swap wants its locks; expression statistics come with the first autovacuum after the swap.
            long vacuumStarted = System.nanoTime();
            handle.execute("VACUUM (ANALYZE) " + schema + "." + table);
            done.add(String.format("vacuum %s %.1f s", table, (System.nanoTime() - vacuumStarted) / 1e9));
            for (String definition : secondaryIndexDefinitions(handle, table)) {
                String indexName = definition.replaceFirst("^CREATE (UNIQUE )?INDEX (\\S+) ON .*$", "$2");
                boolean present = handle.createQuery("SELECT to_regclass(:i) IS NOT NULL")
                        .bind("i", schema + "." + indexName).mapTo(Boolean.class).one();
                if (!present) {
                    long started = System.nanoTime();
                    handle.execute(retarget(definition, table));
                    done.add(String.format("%s %.1f s", indexName, (System.nanoTime() - started) / 1e9));
                }
            }
        }
        return done;
    }

    /** The months (memories_pYYYYMM) the live table has, as first days, so the copy can have them all too. */
    static List<java.time.LocalDate> liveMonths(Handle handle) {
        return handle.createQuery("""
                        SELECT to_date(substr(c.relname, 11, 6), 'YYYYMM')
                        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                        WHERE i.inhparent = 'public.memories'::regclass AND c.relname ~ '^memories_p[0-9]{6}$'
                        ORDER BY 1""")
                .mapTo(java.time.LocalDate.class).list();
    }

    /** Hash sub-partitions of the newest live month (8 when there is none). */
    static int liveHashPartitions(Handle handle) {
        return handle.createQuery("""
                        SELECT count(*) FROM pg_inherits i
                        WHERE i.inhparent = (SELECT c.oid FROM pg_inherits p JOIN pg_class c ON c.oid = p.inhrelid
                                             WHERE p.inhparent = 'public.memories'::regclass
                                               AND c.relname ~ '^memories_p[0-9]{6}$'
                                             ORDER BY c.relname DESC LIMIT 1)""")
                .mapTo(Integer.class).findOne().filter(n -> n > 0).orElse(8);
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
        List<String[]> views = dependentViews(tx);
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
        for (String[] view : views) {
            tx.execute("CREATE OR REPLACE VIEW " + view[0] + " AS " + view[1]);
        }
        tx.execute("DROP SCHEMA " + schema + " CASCADE");
        return String.format("locks %d ms, offsets %d ms, %d relations each way %d ms, %d view(s) and cleanup %d ms",
                (locked - started) / 1_000_000, (copied - locked) / 1_000_000, moved, (swapped - copied) / 1_000_000,
                views.size(), (System.nanoTime() - swapped) / 1_000_000);
    }

    /** The projection's tables in {@code in}, every partition of memories included, parents first. */
    private static List<String> relationsToMove(Handle tx, String in) {
        List<String> relations = new ArrayList<>();
        relations.add("memory_locator");
        relations.addAll(tx.createQuery("""
                        SELECT c.relname FROM pg_partition_tree(CAST(:t AS regclass)) t
                        JOIN pg_class c ON c.oid = t.relid ORDER BY t.level, c.relname""")
                .bind("t", in + ".memories").mapTo(String.class).list());
        return relations;
    }

    /** Views reading the live tables, with definitions whose table names are schema-qualified. */
    private static List<String[]> dependentViews(Handle tx) {
        tx.execute("SET LOCAL search_path = ''");
        List<String[]> views = tx.createQuery("""
                        SELECT DISTINCT format('%I.%I', n.nspname, v.relname) AS name, pg_get_viewdef(v.oid) AS def
                        FROM pg_depend d
                        JOIN pg_rewrite r ON r.oid = d.objid
                        JOIN pg_class v ON v.oid = r.ev_class
                        JOIN pg_namespace n ON n.oid = v.relnamespace
                        WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
                          AND d.refobjid IN ('public.memories'::regclass, 'public.memory_locator'::regclass)
                          AND v.oid NOT IN ('public.memories'::regclass, 'public.memory_locator'::regclass)""")
                .map((rs, ctx) -> new String[] {rs.getString("name"), rs.getString("def")}).list();
        tx.execute("SET LOCAL search_path = public");
        return views;
    }

    private static Map<String, String> uniqueConstraints(Handle handle, String table) {
        Map<String, String> constraints = new java.util.LinkedHashMap<>();
        handle.createQuery("""
                        SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
                        WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u') ORDER BY contype, conname""")
                .bind("t", LIVE + "." + table)
                .map((rs, ctx) -> Map.entry(rs.getString("conname"), rs.getString("def")))
                .forEach(e -> constraints.put(e.getKey(), e.getValue()));
        return constraints;
    }

    private static List<String> secondaryIndexDefinitions(Handle handle, String table) {
        return handle.createQuery("""
                        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
                        WHERE i.indrelid = CAST(:t AS regclass)
                          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                        ORDER BY i.indexrelid""")
                .bind("t", LIVE + "." + table).mapTo(String.class).list();
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
