package io.mnemo.ingest.resources;

import io.mnemo.devstack.DevstackExtension;
import io.mnemo.kit.auth.ApiKeyStore;
import io.mnemo.schemas.ProjectionMigrations;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;

/** API keys for the ITs, created the way {@code mnemo keys create} does, in the devstack primary. */
final class TestKeys {
    private static volatile boolean migrated;

    private TestKeys() {
    }

    /** Applies the migrations (once per JVM) so {@code api_keys} exists before an app starts. */
    static void migrate() {
        if (!migrated) {
            synchronized (TestKeys.class) {
                if (!migrated) {
                    var pg = DevstackExtension.devstack().primary();
                    ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
                    migrated = true;
                }
            }
        }
    }

    static ApiKeyStore store() {
        migrate();
        var pg = DevstackExtension.devstack().primary();
        return new ApiKeyStore(Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()).installPlugin(new PostgresPlugin()));
    }

    /** A new key's plaintext, with the service's default rate limit. */
    static String create(String tenant, String... scopes) {
        return store().create(tenant, "it", Set.of(scopes), null, null).plaintext();
    }

    /** A key whose rate limit is far above anything a test sends, for tests that are not about rate limiting. */
    static String createUnthrottled(String tenant, String... scopes) {
        return store().create(tenant, "it", Set.of(scopes), 1_000_000, 1_000_000).plaintext();
    }
}
