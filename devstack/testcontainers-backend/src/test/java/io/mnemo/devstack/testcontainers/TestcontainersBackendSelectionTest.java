package io.mnemo.devstack.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.devstack.DevstackBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Runs without Docker: what -Ptestcontainers puts on a test classpath is what the property selects. */
class TestcontainersBackendSelectionTest {
    @AfterEach
    void clearProperty() {
        System.clearProperty(DevstackBackend.PROPERTY);
    }

    @Test
    void thePropertySelectsThisBackend() {
        System.setProperty(DevstackBackend.PROPERTY, "testcontainers");

        assertThat(DevstackBackend.selected()).get().isInstanceOf(TestcontainersInfrastructure.Provider.class);
    }

    @Test
    void withoutThePropertyTheEmbeddedStackIsKept() {
        assertThat(DevstackBackend.selected()).isEmpty();
    }
}
