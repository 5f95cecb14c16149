package io.mnemo.kit.db;

import java.sql.SQLException;
import org.jdbi.v3.core.ConnectionFactory;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.extension.ExtensionFactory;
import org.jdbi.v3.core.extension.Extensions;
import org.jdbi.v3.sqlobject.SqlObjectFactory;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * Attaches a DAO (a Jdbi SqlObject interface, one per table) to a handle, so its statements run on that handle's
 * connection and inside its transaction, if one is open. Jdbis built by {@link PostgresFactory} have the SqlObject
 * plugin installed; a handle of any other Jdbi (the CLI's, a test's) gets SqlObject support here on first use
 * instead of failing, so no caller has to remember the plugin.
 */
public final class Daos {
    /** SqlObject's extension factory (stateless, so shared), taken from a Jdbi that never connects. */
    private static final ExtensionFactory SQL_OBJECTS = Jdbi.create((ConnectionFactory) () -> {
                throw new SQLException("never connects: it only holds the SqlObject plugin");
            }).installPlugin(new SqlObjectPlugin()).getConfig(Extensions.class)
            .findFactory(SqlObjectFactory.class).orElseThrow();

    private Daos() {
    }

    public static <T> T attach(Handle handle, Class<T> dao) {
        if (!handle.getConfig(Extensions.class).hasExtensionFor(dao)) {
            handle.registerExtension(SQL_OBJECTS);
        }
        return handle.attach(dao);
    }
}
