package io.mnemo.kit.db;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/** What a Postgres server says about itself: that it answers, and whether and how far it replays a primary. */
@RegisterConstructorMapper(DatabaseStatusDao.Replication.class)
public interface DatabaseStatusDao {
    /**
     * Whether the server is a standby, and how many seconds its replay trails the newest transaction it replayed
     * (0 when it has replayed everything it received, and on a primary).
     */
    record Replication(boolean standby, double lagSeconds) {
    }

    @SqlQuery("SELECT 1")
    int ping();

    @SqlQuery("""
            SELECT pg_is_in_recovery() AS standby,
                   CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                        ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
                   END AS lag_seconds
            """)
    Replication replication();
}
