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
import java.nio.file.Files;

/** The three services in this JVM, from their shipped YAML, pointed at the shared devstack. */
final class PlatformApps {
    static final String TENANT = "e2e";

    private PlatformApps() {
    }

    static DropwizardAppExtension<IngestConfiguration> ingest(Devstack devstack) {
        String p = "e2e-ingest";
        return new DropwizardAppExtension<>(IngestApplication.class, "ingest-api.yml", p,
                ConfigOverride.config(p, "kafka.bootstrapServers", devstack.kafkaBootstrap()),
                ConfigOverride.config(p, "kafka.schemaRegistryUrl", devstack.schemaRegistryUrl()),
                ConfigOverride.config(p, "tenant", TENANT),
                ConfigOverride.config(p, "server.applicationConnectors[0].port", "0"),
                ConfigOverride.config(p, "server.adminConnectors[0].port", "0"));
    }

    static DropwizardAppExtension<ProcessorsConfiguration> processors(Devstack devstack) {
        String p = "e2e-processors";
        var pg = devstack.primary();
        return new DropwizardAppExtension<>(ProcessorsApplication.class, "stream-processors.yml", p,
                ConfigOverride.config(p, "kafka.bootstrapServers", devstack.kafkaBootstrap()),
                ConfigOverride.config(p, "kafka.schemaRegistryUrl", devstack.schemaRegistryUrl()),
                ConfigOverride.config(p, "database.url", pg.jdbcUrl()),
                ConfigOverride.config(p, "database.user", pg.user()),
                ConfigOverride.config(p, "database.password", pg.password() == null ? "" : pg.password()),
                ConfigOverride.config(p, "streams.stateDir", tempDir("mnemo-e2e-streams")),
                ConfigOverride.config(p, "server.adminConnectors[0].port", "0"));
    }

    static DropwizardAppExtension<QueryConfiguration> query(Devstack devstack) {
        String p = "e2e-query";
        var pg = devstack.primary();
        var replica = devstack.replicas().get(0);
        return new DropwizardAppExtension<>(QueryApplication.class, "query-service.yml", p,
                ConfigOverride.config(p, "replicas[0].url", replica.jdbcUrl()),
                ConfigOverride.config(p, "replicas[0].user", replica.user()),
                ConfigOverride.config(p, "replicas[0].password", replica.password() == null ? "" : replica.password()),
                ConfigOverride.config(p, "primary.url", pg.jdbcUrl()),
                ConfigOverride.config(p, "primary.user", pg.user()),
                ConfigOverride.config(p, "primary.password", pg.password() == null ? "" : pg.password()),
                ConfigOverride.config(p, "tenant", TENANT),
                ConfigOverride.config(p, "server.applicationConnectors[0].port", "0"),
                ConfigOverride.config(p, "server.adminConnectors[0].port", "0"));
    }

    private static String tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix).toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
