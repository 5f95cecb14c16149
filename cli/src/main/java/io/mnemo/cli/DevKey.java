package io.mnemo.cli;

import io.mnemo.devstack.PostgresEndpoint;
import io.mnemo.kit.auth.ApiKeyStore;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.schemas.ProjectionMigrations;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;

/** The development key of {@code mnemo dev}: every scope, tenant {@code dev}, replaced on every start. */
final class DevKey {
    static final String NAME = "mnemo-dev";

    private DevKey() {
    }

    /** Migrates the primary, revokes the previous development keys and returns a new one's plaintext. */
    static String rotate(PostgresEndpoint primary, String tenant) {
        String password = primary.password() == null ? "" : primary.password();
        ProjectionMigrations.migrate(primary.jdbcUrl(), primary.user(), password);
        ApiKeyStore store = new ApiKeyStore(Jdbi.create(primary.jdbcUrl(), primary.user(), password)
                .installPlugin(new PostgresPlugin()));
        // one live development key at a time: the previous run's key was printed to a terminal and a file
        store.revokeNamed(tenant, NAME);
        return store.create(tenant, NAME, Scopes.ALL, null, null).plaintext();
    }
}
