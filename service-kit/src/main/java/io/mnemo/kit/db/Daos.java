package io.mnemo.kit.db;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.ConnectionFactory;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.config.JdbiConfig;
import org.jdbi.v3.core.extension.ExtensionFactory;
import org.jdbi.v3.core.extension.Extensions;
import org.jdbi.v3.sqlobject.SqlObjectFactory;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * Attaches a DAO (a Jdbi SqlObject interface, one per table) to a handle, so its statements run on that handle's
 * connection and inside its transaction, if one is open. Jdbis built by {@link PostgresFactory} have the SqlObject
 * plugin installed; a handle of any other Jdbi (the CLI's, a test's) gets SqlObject support here on first use
 * instead of failing, so no caller has to remember the plugin.
 *
 * <p>A DAO is attached once per handle and then reused: Jdbi builds a handler for every method of the interface on
 * each {@code attach}, which cost the stream processors ~9 % of their CPU when every batch attached its DAOs
 * afresh (docs/performance.md). A handle kept across batches (a sink's own connection) attaches each DAO once.
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
        Map<Class<?>, Object> attached = handle.getConfig(Attached.class).daos;
        Object existing = attached.get(dao);
        if (existing != null) {
            return dao.cast(existing);
        }
        if (!handle.getConfig(Extensions.class).hasExtensionFor(dao)) {
            handle.registerExtension(SQL_OBJECTS);
        }
        T fresh = handle.attach(dao);
        attached.put(dao, fresh);
        return fresh;
    }

    /**
     * The DAOs attached to one handle. Every handle gets its own empty copy (a handle's configuration is copied
     * from its Jdbi's when it opens), so a DAO never outlives or crosses the handle it is bound to.
     */
    public static final class Attached implements JdbiConfig<Attached> {
        private final Map<Class<?>, Object> daos = new HashMap<>();

        public Attached() {
        }

        @Override
        public Attached createCopy() {
            return new Attached();
        }
    }
}
