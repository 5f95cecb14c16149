package io.mnemo.kit.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DevSecretsTest {
    private static final List<DevSecrets.Setting> DEV_VALUES = List.of(
            new DevSecrets.Setting("database.password", "", null),
            new DevSecrets.Setting("cursorSecret", "dev-only", "dev-only"));

    @Test
    void outsideDevAnEmptyPasswordAndADevDefaultAreRefusedByName() {
        assertThatThrownBy(() -> DevSecrets.refuseOutsideDev("production", DEV_VALUES))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("database.password is empty")
                .hasMessageContaining("cursorSecret is the development default");
    }

    @Test
    void inDevTheDevelopmentValuesAreAccepted() {
        assertThatCode(() -> DevSecrets.refuseOutsideDev("dev", DEV_VALUES)).doesNotThrowAnyException();
    }

    @Test
    void outsideDevRealSecretsAreAccepted() {
        assertThatCode(() -> DevSecrets.refuseOutsideDev("production", List.of(
                new DevSecrets.Setting("database.password", "s3cr3t", null),
                new DevSecrets.Setting("cursorSecret", "a-long-random-key", "dev-only")))).doesNotThrowAnyException();
    }
}
