package io.mnemo.ingest;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.Test;

/** The shipped configuration, started outside the dev profile, refuses its own development secrets. */
class DevSecretsAtStartTest {
    @Test
    void inTheProductionProfileTheServiceRefusesToStartWithAnEmptyDatabasePassword() {
        DropwizardTestSupport<IngestConfiguration> service = new DropwizardTestSupport<>(IngestApplication.class,
                "ingest-api.yml", "dev-secrets-test",
                ConfigOverride.config("dev-secrets-test", "profile", "production"),
                ConfigOverride.config("dev-secrets-test", "database.password", ""),
                ConfigOverride.config("dev-secrets-test", "server.applicationConnectors[0].port", "0"),
                ConfigOverride.config("dev-secrets-test", "server.adminConnectors[0].port", "0"));
        try {
            assertThatThrownBy(service::before).hasStackTraceContaining("Refusing to start in profile 'production'")
                    .hasStackTraceContaining("database.password is empty");
        } finally {
            service.after();
        }
    }
}
