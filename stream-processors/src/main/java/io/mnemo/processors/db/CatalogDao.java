package io.mnemo.processors.db;

import java.time.LocalDate;
import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/**
 * What Postgres's catalog says about Mnemo's tables: which exist, the months and hash sub-partitions of
 * {@code memories}, keys, indexes, views and columns to copy, the tables of schema public and the schema version.
 * Read by the rebuild (to copy and swap the projection's tables), the checksums and the backup.
 */
public interface CatalogDao {
    /** Hash sub-partitions of a month when there is no month to count them in: the sink's default. */
    int DEFAULT_HASH_PARTITIONS = 8;

    /** A constraint or a view: its (schema-qualified, for views) name and its definition. */
    record Definition(String name, String definition) {
    }

    /** A foreign key of table {@code referencing} that references {@code referenced}. */
    record Reference(String referencing, String referenced) {
    }

    @SqlQuery("SELECT to_regnamespace(:schema) IS NOT NULL")
    boolean schemaExists(@Bind("schema") String schema);

    /** Whether a table, index or view of this (optionally schema-qualified) name exists. */
    @SqlQuery("SELECT to_regclass(:name) IS NOT NULL")
    boolean relationExists(@Bind("name") String name);

    /** The PARTITION BY clause's key of a table, null when it is not partitioned. */
    @SqlQuery("SELECT pg_get_partkeydef(CAST(:table AS regclass))")
    String partitionKey(@Bind("table") String table);

    /** Primary key and unique constraints of a table, the primary key first. */
    @SqlQuery("""
            SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
            WHERE conrelid = CAST(:table AS regclass) AND contype IN ('p', 'u') ORDER BY contype, conname""")
    @RegisterConstructorMapper(Definition.class)
    List<Definition> uniqueConstraints(@Bind("table") String table);

    /** CREATE INDEX statements of a table's indexes that back no constraint, oldest first. */
    @SqlQuery("""
            SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid = CAST(:table AS regclass)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY i.indexrelid""")
    List<String> secondaryIndexDefinitions(@Bind("table") String table);

    /** The columns of a table, in table order. */
    @SqlQuery("""
            SELECT attname FROM pg_attribute
            WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped ORDER BY attnum""")
    List<String> columns(@Bind("table") String table);

    /** A partitioned table and every partition under it, parents first. */
    @SqlQuery("""
            SELECT c.relname FROM pg_partition_tree(CAST(:table AS regclass)) t
            JOIN pg_class c ON c.oid = t.relid ORDER BY t.level, c.relname""")
    List<String> partitionTree(@Bind("table") String table);

    /**
     * Views reading {@code public.memories} or {@code public.memory_locator}, with their definitions as Postgres
     * prints them under the current search_path (an empty one qualifies every table name).
     */
    @SqlQuery("""
            SELECT DISTINCT format('%I.%I', n.nspname, v.relname) AS name, pg_get_viewdef(v.oid) AS definition
            FROM pg_depend d
            JOIN pg_rewrite r ON r.oid = d.objid
            JOIN pg_class v ON v.oid = r.ev_class
            JOIN pg_namespace n ON n.oid = v.relnamespace
            WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.refobjid IN ('public.memories'::regclass, 'public.memory_locator'::regclass)
              AND v.oid NOT IN ('public.memories'::regclass, 'public.memory_locator'::regclass)""")
    @RegisterConstructorMapper(Definition.class)
    List<Definition> viewsOfMemories();

    /** The months (memories_pYYYYMM) of the live memories table, as their first days. */
    @SqlQuery("""
            SELECT to_date(substr(c.relname, 11, 6), 'YYYYMM')
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'public.memories'::regclass AND c.relname ~ '^memories_p[0-9]{6}$'
            ORDER BY 1""")
    List<LocalDate> memoriesMonths();

    /** Hash sub-partitions of the newest live month ({@link #DEFAULT_HASH_PARTITIONS} when there is none). */
    default int hashPartitionsOfNewestMonth() {
        int count = countHashPartitionsOfNewestMonth();
        return count > 0 ? count : DEFAULT_HASH_PARTITIONS;
    }

    @SqlQuery("""
            SELECT count(*) FROM pg_inherits i
            WHERE i.inhparent = (SELECT c.oid FROM pg_inherits p JOIN pg_class c ON c.oid = p.inhrelid
                                 WHERE p.inhparent = 'public.memories'::regclass
                                   AND c.relname ~ '^memories_p[0-9]{6}$'
                                 ORDER BY c.relname DESC LIMIT 1)""")
    int countHashPartitionsOfNewestMonth();

    /** The most hash sub-partitions any live month has ({@link #DEFAULT_HASH_PARTITIONS} when there is none). */
    @SqlQuery("""
            SELECT coalesce(max(n), 8) FROM (SELECT count(*) AS n FROM pg_inherits i
                JOIN pg_inherits m ON m.inhrelid = i.inhparent
                WHERE m.inhparent = 'public.memories'::regclass GROUP BY i.inhparent) counts""")
    int mostHashPartitionsOfAMonth();

    /** Tables of schema public (partitions and Flyway's own excluded), by name. */
    @SqlQuery("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND c.relname <> 'flyway_schema_history' ORDER BY 1""")
    List<String> publicTables();

    /** Foreign keys between tables of schema public. */
    @SqlQuery("""
            SELECT src.relname AS referencing, dst.relname AS referenced FROM pg_constraint k
            JOIN pg_class src ON src.oid = k.conrelid JOIN pg_class dst ON dst.oid = k.confrelid
            JOIN pg_namespace n ON n.oid = src.relnamespace
            WHERE k.contype = 'f' AND n.nspname = 'public'""")
    @RegisterConstructorMapper(Reference.class)
    List<Reference> publicForeignKeys();

    /** The version of the last successful Flyway migration. */
    @SqlQuery("""
            SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL
            ORDER BY installed_rank DESC LIMIT 1""")
    String schemaVersion();

    @SqlQuery("SELECT current_setting('server_version')")
    String serverVersion();
}
