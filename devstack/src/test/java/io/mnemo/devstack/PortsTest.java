package io.mnemo.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

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
    void threeBrokerStackGetsAClientAndAControllerPortPerNodeAndKeepsThemOnTheNextRun(@TempDir Path dir)
            throws IOException {
        DevstackOptions options = DevstackOptions.persistent(dir).withBrokers(3);
        List<String> names = new ArrayList<>(NAMES);
        names.addAll(List.of("kafka-2", "kafka-2.controller", "kafka-3", "kafka-3.controller"));

        Ports first = Ports.allocate(options);
        Ports second = Ports.allocate(options);

        assertThat(List.of(Ports.kafka(1), Ports.kafkaController(1), Ports.kafka(3), Ports.kafkaController(3)))
                .containsExactly(Ports.KAFKA, Ports.KAFKA_CONTROLLER, "kafka-3", "kafka-3.controller");
        assertThat(names.stream().map(first::get).distinct()).hasSize(names.size());
        assertThat(names).allSatisfy(name -> assertThat(second.get(name)).isEqualTo(first.get(name)));
    }

    @Test
    void twoReplicaStackGetsAPortPerReplicaAndKeepsThemOnTheNextRun(@TempDir Path dir) throws IOException {
        DevstackOptions options = DevstackOptions.persistent(dir).withReplicas(2);
        List<String> names = new ArrayList<>(NAMES);
        names.add("postgres.replica-2");

        Ports first = Ports.allocate(options);
        Ports second = Ports.allocate(options);

        assertThat(List.of(Ports.postgres(0), Ports.postgres(1)))
                .containsExactly(Ports.POSTGRES_PRIMARY, Ports.POSTGRES_REPLICA_1);
        assertThat(names.stream().map(first::get).distinct()).hasSize(names.size());
        assertThat(names).allSatisfy(name -> assertThat(second.get(name)).isEqualTo(first.get(name)));
    }

    @Test
    void singleBrokerStackRecordsTheSamePortNamesAsBefore(@TempDir Path dir) throws IOException {
        Ports.allocate(DevstackOptions.persistent(dir));

        Properties recorded = new Properties();
        try (Reader reader = Files.newBufferedReader(dir.resolve("ports.properties"))) {
            recorded.load(reader);
        }
        assertThat(recorded.stringPropertyNames()).containsExactlyInAnyOrderElementsOf(NAMES);
    }

    @Test
    void everyComponentGetsItsOwnPort(@TempDir Path dir) throws IOException {
        Ports ports = Ports.allocate(new DevstackOptions(dir, false, DevstackOptions.DEFAULT_MEDIA_BUCKET));

        assertThat(NAMES.stream().map(ports::get).distinct()).hasSize(NAMES.size());
    }
}
