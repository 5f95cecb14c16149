package io.mnemo.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DevstackBackendTest {
    private final ClassLoader classpath = getClass().getClassLoader();

    @Test
    void theEmbeddedStackIsTheDefault() {
        assertThat(DevstackBackend.select(null, classpath)).isEmpty();
        assertThat(DevstackBackend.select(" ", classpath)).isEmpty();
        assertThat(DevstackBackend.select("embedded", classpath)).isEmpty();
    }

    @Test
    void aBackendNamedByThePropertyIsFoundOnTheClasspath() {
        assertThat(DevstackBackend.select("Fake-For-Tests", classpath)).get()
                .isInstanceOf(FakeContainerInfrastructure.class);
    }

    @Test
    void aBackendMissingFromTheClasspathFailsInsteadOfFallingBackToTheEmbeddedStack() {
        // without -Ptestcontainers the Testcontainers backend is not on this module's classpath
        assertThatThrownBy(() -> DevstackBackend.select("testcontainers", classpath))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("-Ptestcontainers");
    }

    /** Registered in src/test/resources/META-INF/services. */
    public static final class FakeContainerInfrastructure implements ContainerInfrastructure.Provider {
        @Override
        public String name() {
            return "fake-for-tests";
        }

        @Override
        public ContainerInfrastructure start(DevstackOptions options) {
            return new ContainerInfrastructure() {
                @Override
                public String kafkaBootstrap() {
                    return "127.0.0.1:1";
                }

                @Override
                public PostgresEndpoint primary() {
                    return new PostgresEndpoint("127.0.0.1", 1, "mnemo", "postgres", "x");
                }

                @Override
                public List<PostgresEndpoint> replicas() {
                    return List.of();
                }

                @Override
                public S3Endpoint s3() {
                    return new S3Endpoint("http://127.0.0.1:1", "mnemo-media", "us-east-1", "a", "b");
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
