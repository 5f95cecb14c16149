package io.mnemo.query;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.Test;

/** The shipped configuration, started outside the dev profile, refuses its own development secrets. */
class DevSecretsAtStartTest {
    @Test
    void inTheProductionProfileTheServiceRefusesTheDevCursorSecretAndEmptyPasswords() {
        DropwizardTestSupport<QueryConfiguration> service = new DropwizardTestSupport<>(QueryApplication.class,
                "query-service.yml", "dev-secrets-test",
                ConfigOverride.config("dev-secrets-test", "profile", "production"),
                ConfigOverride.config("dev-secrets-test", "server.applicationConnectors[0].port", "0"),
                ConfigOverride.config("dev-secrets-test", "server.adminConnectors[0].port", "0"));
        try {
            assertThatThrownBy(service::before).hasStackTraceContaining("Refusing to start in profile 'production'")
                    .hasStackTraceContaining("cursorSecret is the development default")
                    .hasStackTraceContaining("primary.password is empty");
        } finally {
            service.after();
        }
    }
}
