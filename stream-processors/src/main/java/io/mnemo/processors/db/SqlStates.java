package io.mnemo.processors.db;

import java.sql.SQLException;

/** What Postgres said went wrong, whatever the wrapping (Jdbi, the pool) around its exception. */
public final class SqlStates {
    private SqlStates() {
    }

    /** The SQLSTATE of the first {@link SQLException} in the cause chain that carries one, else null. */
    public static String of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
