package io.mnemo.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PortsTest {

    private static final List<String> NAMES = List.of(Ports.KAFKA, Ports.KAFKA_CONTROLLER, Ports.SCHEMA_REGISTRY,
            Ports.POSTGRES_PRIMARY, Ports.POSTGRES_REPLICA_1, Ports.S3);

    @Test
    void persistentStackGetsTheSamePortsOnTheNextRun(@TempDir Path dir) throws IOException {
        Ports first = Ports.allocate(DevstackOptions.persistent(dir));

        Ports second = Ports.allocate(DevstackOptions.persistent(dir));

        assertThat(NAMES).allSatisfy(name -> assertThat(second.get(name)).isEqualTo(first.get(name)));
    }

    @Test
    void recordedPortTakenByAnotherProcessIsReplacedAndRecorded(@TempDir Path dir) throws IOException {
        Ports first = Ports.allocate(DevstackOptions.persistent(dir));
        int taken = first.get(Ports.POSTGRES_PRIMARY);

        try (ServerSocket squatter = new ServerSocket(taken, 1, InetAddress.getLoopbackAddress())) {
            assertThat(squatter.isBound()).isTrue();
            Ports second = Ports.allocate(DevstackOptions.persistent(dir));

            assertThat(second.get(Ports.POSTGRES_PRIMARY)).isNotEqualTo(taken);
            assertThat(Ports.allocate(DevstackOptions.persistent(dir)).get(Ports.POSTGRES_PRIMARY))
                    .isEqualTo(second.get(Ports.POSTGRES_PRIMARY));
        }
    }

    @Test
    void everyComponentGetsItsOwnPort(@TempDir Path dir) throws IOException {
        Ports ports = Ports.allocate(new DevstackOptions(dir, false, DevstackOptions.DEFAULT_MEDIA_BUCKET));

        assertThat(NAMES.stream().map(ports::get).distinct()).hasSize(NAMES.size());
    }
}
