package io.mnemo.kit.db;

import com.codahale.metrics.health.HealthCheck;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.db.ManagedDataSource;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * Builds a Jdbi on a Dropwizard-managed connection pool, with its lifecycle and a health check, and the SqlObject
 * plugin for the DAOs ({@link Daos}).
 */
public final class PostgresFactory {
    private PostgresFactory() {
    }

    public static Jdbi build(Environment environment, DataSourceFactory dataSource, String name) {
        ManagedDataSource managed = dataSource.build(environment.metrics(), name);
        environment.lifecycle().manage(managed);
        Jdbi jdbi = Jdbi.create(managed).installPlugin(new PostgresPlugin()).installPlugin(new SqlObjectPlugin());
        environment.healthChecks().register(name, new JdbiHealthCheck(jdbi, Duration.ofSeconds(2)));
        return jdbi;
    }

    /**
     * A Jdbi on a managed pool for a database the service keeps working without (ingest reads only API keys,
     * which it caches): no health check of its own, so an outage does not make the service look down and get it
     * restarted, which would throw the cache away. The component using it reports its own state.
     */
    public static Jdbi buildNonCritical(Environment environment, DataSourceFactory dataSource, String name) {
        ManagedDataSource managed = dataSource.build(environment.metrics(), name);
        environment.lifecycle().manage(managed);
        return Jdbi.create(managed).installPlugin(new PostgresPlugin()).installPlugin(new SqlObjectPlugin());
    }

    /** Healthy when {@code SELECT 1} answers within the timeout. */
    public static final class JdbiHealthCheck extends HealthCheck {
        private final Jdbi jdbi;
        private final Duration timeout;

        public JdbiHealthCheck(Jdbi jdbi, Duration timeout) {
            this.jdbi = jdbi;
            this.timeout = timeout;
        }

        @Override
        protected Result check() {
            jdbi.useHandle(handle -> handle.createQuery("SELECT 1")
                    .setQueryTimeout((int) Math.max(1, timeout.toSeconds())).mapTo(Integer.class).one());
            return Result.healthy();
        }
    }
}
