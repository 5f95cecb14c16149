package io.mnemo.kit.db;

import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/**
 * Run-time settings of the current connection ({@code set_config}, which unlike {@code SET} takes bound values):
 * timeouts, {@code search_path}, memory for maintenance work.
 */
public interface SettingsDao {
    /** Like {@code SET LOCAL name = value}: until the current transaction ends. Returns the new value. */
    @SqlQuery("SELECT set_config(:name, :value, true)")
    String setForTransaction(@Bind("name") String name, @Bind("value") String value);

    /** Like {@code SET name = value}: for the rest of the session. Returns the new value. */
    @SqlQuery("SELECT set_config(:name, :value, false)")
    String setForSession(@Bind("name") String name, @Bind("value") String value);
}
