package io.mnemo.processors;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.Test;

/**
 * The shipped configuration, started outside the dev profile, refuses empty database passwords: its own role's and
 * the owner's it migrates with. Refused before anything is reached (no Kafka, no Postgres needed).
 */
class DevSecretsAtStartTest {
    private static final String PREFIX = "processors-dev-secrets-test";

    @Test
    void inTheProductionProfileTheProcessorsRefuseToStartWithAnEmptyRoleOrMigrationPassword() {
        DropwizardTestSupport<ProcessorsConfiguration> service = new DropwizardTestSupport<>(
                ProcessorsApplication.class, "stream-processors.yml", PREFIX,
                ConfigOverride.config(PREFIX, "profile", "production"),
                ConfigOverride.config(PREFIX, "database.password", ""),
                ConfigOverride.config(PREFIX, "migration.password", ""),
                ConfigOverride.config(PREFIX, "encryption.masterKey", "c2VjcmV0LW1hc3Rlci1rZXktb2YtMzItYnl0ZXMhISE="),
                ConfigOverride.config(PREFIX, "server.adminConnectors[0].port", "0"));
        try {
            assertThatThrownBy(service::before).hasStackTraceContaining("Refusing to start in profile 'production'")
                    .hasStackTraceContaining("database.password is empty")
                    .hasStackTraceContaining("migration.password is empty");
        } finally {
            service.after();
        }
    }
}
