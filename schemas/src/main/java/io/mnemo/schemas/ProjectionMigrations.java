package io.mnemo.schemas;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;
import org.flywaydb.core.api.output.MigrateResult;

/** Applies the Postgres projection migrations ({@code db/migration}) shared by writers and readers. */
public final class ProjectionMigrations {
    private ProjectionMigrations() {
    }

    /**
     * Migrates the database at {@code jdbcUrl} to the latest projection schema, as its owner ({@code user}), then
     * sets the services' role passwords found in the environment ({@link ServiceRoles}).
     */
    public static MigrateResult migrate(String jdbcUrl, String user, String password) {
        return migrate(jdbcUrl, user, password, ServiceRoles.passwordsFrom(System.getenv()));
    }

    /** As {@link #migrate(String, String, String)}, with the roles' passwords given (role to password). */
    public static MigrateResult migrate(String jdbcUrl, String user, String password,
                                        java.util.Map<String, String> rolePasswords) {
        MigrateResult result = configure().dataSource(jdbcUrl, user, password).load().migrate();
        ServiceRoles.applyPasswords(jdbcUrl, user, password, rolePasswords);
        return result;
    }

    /** Migrates up to (and including) {@code targetVersion} only: restoring a backup taken at that version. */
    public static MigrateResult migrate(String jdbcUrl, String user, String password, String targetVersion) {
        MigrateResult result = configure().dataSource(jdbcUrl, user, password).target(targetVersion).load()
                .migrate();
        ServiceRoles.applyPasswords(jdbcUrl, user, password, ServiceRoles.passwordsFrom(System.getenv()));
        return result;
    }

    private static FluentConfiguration configure() {
        FluentConfiguration configuration = Flyway.configure().locations("classpath:db/migration");
        // CREATE INDEX CONCURRENTLY on a leaf hangs under Flyway's transactional lock (INFRA-NOTES).
        configuration.getConfigurationExtension(PostgreSQLConfigurationExtension.class).setTransactionalLock(false);
        return configuration;
    }
}
