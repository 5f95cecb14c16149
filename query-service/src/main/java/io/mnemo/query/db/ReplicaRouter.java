package io.mnemo.query.db;

import io.mnemo.query.core.NoReadSource;
import io.mnemo.query.core.Read;
import io.mnemo.query.core.ReadSource;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a read on the first replica that answers and on the primary only when no replica can: a replica that
 * is down or going away mid-request costs a retry, not an error.
 */
public final class ReplicaRouter {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRouter.class);

    private final List<Jdbi> replicas;
    private final Jdbi primary;

    public ReplicaRouter(List<Jdbi> replicas, Jdbi primary) {
        this.replicas = List.copyOf(replicas);
        this.primary = primary;
    }

    public <T> Read<T> read(Function<Handle, T> query) {
        RuntimeException last = null;
        for (Jdbi replica : replicas) {
            try {
                return new Read<>(replica.withHandle(query::apply), ReadSource.REPLICA);
            } catch (JdbiException e) {
                if (!isUnavailable(e)) {
                    throw e;
                }
                LOG.warn("Replica unavailable, trying the next source: {}", e.getMessage());
                last = e;
            }
        }
        try {
            return new Read<>(primary.withHandle(query::apply), ReadSource.PRIMARY);
        } catch (JdbiException e) {
            if (!isUnavailable(e)) {
                throw e;
            }
            throw new NoReadSource("No replica and not the primary could answer", last == null ? e : last);
        }
    }

    /** Connection-class failures (SQLState 08, 57P, or no SQLState at all because no connection was made). */
    static boolean isUnavailable(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state == null || state.startsWith("08") || state.startsWith("57P")) {
                    return true;
                }
            }
        }
        return false;
    }
}
