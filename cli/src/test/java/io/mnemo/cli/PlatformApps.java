package io.mnemo.cli;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.mnemo.devstack.Devstack;
import io.mnemo.ingest.IngestApplication;
import io.mnemo.ingest.IngestConfiguration;
import io.mnemo.processors.ProcessorsApplication;
import io.mnemo.processors.ProcessorsConfiguration;
import io.mnemo.query.QueryApplication;
import io.mnemo.query.QueryConfiguration;
import io.mnemo.kit.auth.ApiKeyStore;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.schemas.ProjectionMigrations;
import java.nio.file.Files;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;

/** The three services in this JVM, from their shipped YAML, pointed at the shared devstack. */
public final class PlatformApps {
    public static final String TENANT = "e2e";

    private PlatformApps() {
    }

    public static DropwizardAppExtension<IngestConfiguration> ingest(Devstack devstack) {
        return ingest(devstack, java.util.Map.of());
    }

    /** As {@link #ingest(Devstack)}, with more settings of the shipped YAML overridden (e.g. shorter timeouts). */
    public static DropwizardAppExtension<IngestConfiguration> ingest(Devstack devstack,
                                                                     java.util.Map<String, String> overrides) {
        String p = "e2e-ingest";
        var pg = devstack.primary();
        migrate(devstack);
        java.util.List<ConfigOverride> settings = new java.util.ArrayList<>(java.util.List.of(
                ConfigOverride.config(p, "kafka.bootstrapServers", devstack.kafkaBootstrap()),
                ConfigOverride.config(p, "kafka.schemaRegistryUrl", devstack.schemaRegistryUrl()),
                ConfigOverride.config(p, "database.url", pg.jdbcUrl()),
                ConfigOverride.config(p, "database.user", "mnemo_ingest"),
                ConfigOverride.config(p, "database.password", pg.password() == null ? "" : pg.password()),
                ConfigOverride.config(p, "media.s3.endpoint", devstack.s3().endpoint()),
                ConfigOverride.config(p, "media.s3.region", devstack.s3().region()),
                ConfigOverride.config(p, "media.s3.bucket", devstack.s3().bucket()),
                ConfigOverride.config(p, "media.s3.accessKey", devstack.s3().accessKey()),
                ConfigOverride.config(p, "media.s3.secretKey", devstack.s3().secretKey()),
                ConfigOverride.config(p, "server.applicationConnectors[0].port", "0"),
                ConfigOverride.config(p, "server.adminConnectors[0].port", "0")));
        overrides.forEach((key, value) -> settings.add(ConfigOverride.config(p, key, value)));
        return new DropwizardAppExtension<>(IngestApplication.class, "ingest-api.yml", p,
                settings.toArray(ConfigOverride[]::new));
    }

    public static DropwizardAppExtension<ProcessorsConfiguration> processors(Devstack devstack) {
        return processors(devstack, devstack.primary().jdbcUrl());
    }

    /** As {@link #processors(Devstack)}, with more settings of the shipped YAML overridden (e.g. tracing). */
    public static DropwizardAppExtension<ProcessorsConfiguration> processors(Devstack devstack,
                                                                             java.util.Map<String, String> overrides) {
        return processors(devstack, devstack.primary().jdbcUrl(), overrides);
    }

    /** The processors writing to another database of the devstack's primary (e.g. one restored from a backup). */
    public static DropwizardAppExtension<ProcessorsConfiguration> processors(Devstack devstack, String jdbcUrl) {
        return processors(devstack, jdbcUrl, java.util.Map.of());
    }

    private static DropwizardAppExtension<ProcessorsConfiguration> processors(Devstack devstack, String jdbcUrl,
                                                                              java.util.Map<String, String> overrides) {
        String p = "e2e-processors";
        var pg = devstack.primary();
        migrate(devstack);
        java.util.List<ConfigOverride> settings = new java.util.ArrayList<>(java.util.List.of(
                ConfigOverride.config(p, "kafka.bootstrapServers", devstack.kafkaBootstrap()),
                ConfigOverride.config(p, "kafka.schemaRegistryUrl", devstack.schemaRegistryUrl()),
                ConfigOverride.config(p, "database.url", jdbcUrl),
                ConfigOverride.config(p, "database.user", "mnemo_processor"),
                ConfigOverride.config(p, "database.password", pg.password() == null ? "" : pg.password()),
                ConfigOverride.config(p, "migration.user", pg.user()),
                ConfigOverride.config(p, "migration.password", pg.password() == null ? "" : pg.password()),
                ConfigOverride.config(p, "streams.stateDir", tempDir("mnemo-e2e-streams")),
                ConfigOverride.config(p, "s3.endpoint", devstack.s3().endpoint()),
                ConfigOverride.config(p, "s3.region", devstack.s3().region()),
                ConfigOverride.config(p, "s3.bucket", devstack.s3().bucket()),
                ConfigOverride.config(p, "s3.accessKey", devstack.s3().accessKey()),
                ConfigOverride.config(p, "s3.secretKey", devstack.s3().secretKey()),
                ConfigOverride.config(p, "server.adminConnectors[0].port", "0")));
        overrides.forEach((key, value) -> settings.add(ConfigOverride.config(p, key, value)));
        return new DropwizardAppExtension<>(ProcessorsApplication.class, "stream-processors.yml", p,
                settings.toArray(ConfigOverride[]::new));
    }

    public static DropwizardAppExtension<QueryConfiguration> query(Devstack devstack) {
        String p = "e2e-query";
        var pg = devstack.primary();
        migrate(devstack);
        var replica = devstack.replicas().get(0);
        return new DropwizardAppExtension<>(QueryApplication.class, "query-service.yml", p,
                ConfigOverride.config(p, "replicas[0].url", replica.jdbcUrl()),
                ConfigOverride.config(p, "replicas[0].user", "mnemo_query"),
                ConfigOverride.config(p, "replicas[0].password", replica.password() == null ? "" : replica.password()),
                ConfigOverride.config(p, "primary.url", pg.jdbcUrl()),
                ConfigOverride.config(p, "primary.user", "mnemo_query"),
                ConfigOverride.config(p, "primary.password", pg.password() == null ? "" : pg.password()),
                ConfigOverride.config(p, "kafka.bootstrapServers", devstack.kafkaBootstrap()),
                ConfigOverride.config(p, "kafka.schemaRegistryUrl", devstack.schemaRegistryUrl()),
                ConfigOverride.config(p, "server.applicationConnectors[0].port", "0"),
                ConfigOverride.config(p, "server.adminConnectors[0].port", "0"));
    }

    /**
     * A key of the e2e tenant with every scope, as {@code mnemo keys create} makes it (migrating first). Its rate
     * limit is far above what the tests send: they are about the data path, not about throttling.
     */
    public static String apiKey(Devstack devstack) {
        return apiKey(devstack, TENANT);
    }

    /** As {@link #apiKey(Devstack)}, for another tenant (a test that compares one tenant's data). */
    public static String apiKey(Devstack devstack, String tenant) {
        return apiKey(devstack, tenant, Scopes.ALL);
    }

    /** As {@link #apiKey(Devstack, String)}, with only these scopes (a test of least privilege). */
    public static String apiKey(Devstack devstack, String tenant, java.util.Set<String> scopes) {
        return keyStore(devstack).create(tenant, "e2e", scopes, 1_000_000, 1_000_000).plaintext();
    }

    /** The devstack's API key store (migrated first), e.g. to revoke a key. */
    public static ApiKeyStore keyStore(Devstack devstack) {
        var pg = devstack.primary();
        String password = pg.password() == null ? "" : pg.password();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), password);
        return new ApiKeyStore(Jdbi.create(pg.jdbcUrl(), pg.user(), password).installPlugin(new PostgresPlugin()));
    }

    /**
     * The migrations, as the devstack's superuser (the schema's owner): they create the services' roles (V15), which
     * each service then logs in as (trust authentication on loopback), so every test on the platform proves the
     * grants suffice.
     */
    public static void migrate(Devstack devstack) {
        var pg = devstack.primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password() == null ? "" : pg.password());
    }

    private static String tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix).toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
