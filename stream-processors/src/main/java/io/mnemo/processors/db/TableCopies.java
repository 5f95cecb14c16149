package io.mnemo.processors.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.SQLException;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Whole tables of schema public in and out in Postgres's binary COPY format, for backups and restores. The table
 * name is part of each statement (COPY takes no parameters), so it must be a plain lower-case identifier.
 */
public final class TableCopies {
    private static final Pattern PLAIN_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private TableCopies() {
    }

    /** Writes every row of the table to {@code out}; returns how many. */
    public static long copyOut(Handle handle, String table, OutputStream out) throws SQLException, IOException {
        return copyApi(handle).copyOut("COPY (SELECT * FROM public." + plain(table) + ") TO STDOUT (FORMAT binary)",
                out);
    }

    /** Loads the rows of {@code in} (as {@link #copyOut} wrote them) into the table; returns how many. */
    public static long copyIn(Handle handle, String table, InputStream in) throws SQLException, IOException {
        return copyApi(handle).copyIn("COPY public." + plain(table) + " FROM STDIN (FORMAT binary)", in);
    }

    public static boolean isEmpty(Handle handle, String table) {
        return handle.createQuery("SELECT NOT EXISTS (SELECT 1 FROM public." + plain(table) + ")")
                .mapTo(Boolean.class).one();
    }

    private static CopyManager copyApi(Handle handle) throws SQLException {
        return handle.getConnection().unwrap(PGConnection.class).getCopyAPI();
    }

    private static String plain(String table) {
        if (!PLAIN_NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("not a plain table name: " + table);
        }
        return table;
    }
}
