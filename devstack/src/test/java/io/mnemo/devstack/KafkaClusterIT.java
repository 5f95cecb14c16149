package io.mnemo.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The high-availability topology of the devstack: three KRaft nodes (all brokers and controller voters), replication
 * factor 3 and {@code min.insync.replicas=2}, on a stack of its own (not the shared one of {@link DevstackExtension}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaClusterIT {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaClusterIT.class);

    private static Devstack devstack;
    private static Admin admin;

    @BeforeAll
    static void startThreeNodes() throws Exception {
        StartupTimes times = new StartupTimes();
        devstack = Devstack.start(DevstackOptions.ephemeral().withBrokers(3), times);
        LOG.info("3-node devstack started: {}", times.steps());
        for (KafkaBroker broker : devstack.kafkaBrokers()) {
            LOG.info("{} pid {} {}", broker.name(), broker.pid(), residentMemory(broker.pid()));
        }
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()));
    }

    @AfterAll
    static void stop() {
        if (devstack != null) {
            for (KafkaBroker broker : devstack.kafkaBrokers()) {
                LOG.info("{} pid {} after the tests {}", broker.name(), broker.pid(), residentMemory(broker.pid()));
            }
        }
        if (admin != null) {
            admin.close();
        }
        if (devstack != null) {
            devstack.close();
        }
    }

    @Test
    @Order(1)
    void startsThreeBrokersEachAControllerVoterAndAProcessOfItsOwn() throws Exception {
        Collection<Node> nodes = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);

        assertThat(nodes).extracting(Node::id).containsExactlyInAnyOrder(1, 2, 3);
        assertThat(admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).voters())
                .extracting(voter -> voter.replicaId()).containsExactlyInAnyOrder(1, 2, 3);
        assertThat(devstack.kafkaBootstrap().split(",")).hasSize(3);
        assertThat(devstack.kafka()).isSameAs(devstack.kafkaBrokers().get(0));
        assertThat(devstack.infrastructure()).extracting(InfrastructureProcess::name)
                .startsWith("kafka-1", "kafka-2", "kafka-3");
        assertThat(devstack.infrastructure().subList(0, 3)).extracting(InfrastructureProcess::log)
                .allSatisfy(log -> assertThat(log).exists()).doesNotHaveDuplicates();
    }

    @Test
    @Order(2)
    void brokerDefaultsReplicateEverythingThreeTimesAndNeverElectAnOutOfSyncReplica() throws Exception {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "2");
        Config config = admin.describeConfigs(List.of(broker)).all().get(10, TimeUnit.SECONDS).get(broker);

        assertThat(Map.of(
                "default.replication.factor", value(config, "default.replication.factor"),
                "min.insync.replicas", value(config, "min.insync.replicas"),
                "unclean.leader.election.enable", value(config, "unclean.leader.election.enable"),
                "offsets.topic.replication.factor", value(config, "offsets.topic.replication.factor"),
                "transaction.state.log.replication.factor", value(config, "transaction.state.log.replication.factor"),
                "transaction.state.log.min.isr", value(config, "transaction.state.log.min.isr"),
                "share.coordinator.state.topic.replication.factor",
                value(config, "share.coordinator.state.topic.replication.factor"),
                "share.coordinator.state.topic.min.isr", value(config, "share.coordinator.state.topic.min.isr")))
                .containsAllEntriesOf(Map.of(
                        "default.replication.factor", "3",
                        "min.insync.replicas", "2",
                        "unclean.leader.election.enable", "false",
                        "offsets.topic.replication.factor", "3",
                        "transaction.state.log.replication.factor", "3",
                        "transaction.state.log.min.isr", "2",
                        "share.coordinator.state.topic.replication.factor", "3",
                        "share.coordinator.state.topic.min.isr", "2"));
    }

    @Test
    @Order(3)
    void topicWithReplicationFactorThreeHasAMinimumInSyncOfTwoAndTheSchemaTopicIsReplicatedToo() throws Exception {
        String topic = createTopic("rf3", 6);

        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
        assertThat(value(config, "min.insync.replicas")).isEqualTo("2");
        assertThat(describe(topic).partitions()).hasSize(6).allSatisfy(partition -> {
            assertThat(partition.replicas()).hasSize(3);
            assertThat(partition.isr()).hasSize(3);
        });
        assertThat(describe("_schemas").partitions()).singleElement()
                .satisfies(partition -> assertThat(partition.replicas()).hasSize(3));
    }

    @Test
    @Order(4)
    void everyAcknowledgedRecordIsReadExactlyOnceWhileABrokerIsKilledAndRestarted() throws Exception {
        String topic = createTopic("survives-a-broker", 6);
        KafkaBroker victim = devstack.kafkaBrokers().get(1);
        List<String> acknowledged = new ArrayList<>();
        ConcurrentLinkedQueue<Exception> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicReference<Integer> sentWhileDown = new AtomicReference<>(0);

        Thread producer = new Thread(() -> {
            try (KafkaProducer<String, String> kafka = producer()) {
                for (int i = 0; producing.get(); i++) {
                    String value = "memory-" + i;
                    try {
                        // one record at a time: each send is acknowledged (acks=all) before the next
                        kafka.send(new ProducerRecord<>(topic, value, value)).get(60, TimeUnit.SECONDS);
                        synchronized (acknowledged) {
                            acknowledged.add(value);
                        }
                        if (!victim.isRunning()) {
                            sentWhileDown.updateAndGet(count -> count + 1);
                        }
                    } catch (Exception e) {
                        failures.add(e);
                    }
                }
            }
        }, "kafka-cluster-it-producer");
        producer.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledgedCount(acknowledged) >= 200);

            victim.kill();
            assertThat(victim.isRunning()).isFalse();
            await().atMost(Duration.ofSeconds(30)).until(() -> brokerIds().size() == 2);
            int beforeRestart = acknowledgedCount(acknowledged);
            // acks=all still succeeds on the two in-sync replicas left (min.insync.replicas=2)
            await().atMost(Duration.ofSeconds(45)).until(() -> acknowledgedCount(acknowledged) >= beforeRestart + 200);

            long restarting = System.nanoTime();
            victim.restartAfterCrash();
            LOG.info("{} restarted after SIGKILL in {} ms", victim.name(), (System.nanoTime() - restarting) / 1_000_000);

            assertThat(victim.isRunning()).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> brokerIds().equals(Set.of(1, 2, 3)));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(describe(topic).partitions())
                    .allSatisfy(partition -> assertThat(partition.isr()).hasSize(3)));
            int afterRestart = acknowledgedCount(acknowledged);
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledgedCount(acknowledged) >= afterRestart + 100);
        } finally {
            producing.set(false);
            producer.join(TimeUnit.SECONDS.toMillis(90));
        }

        assertThat(failures).as("every send is acknowledged").isEmpty();
        assertThat(sentWhileDown.get()).as("records acknowledged while the broker was down").isPositive();
        List<String> sent;
        synchronized (acknowledged) {
            sent = List.copyOf(acknowledged);
        }
        LOG.info("{} records acknowledged, {} of them while {} was down", sent.size(), sentWhileDown.get(),
                victim.name());
        List<String> read = consume(topic, sent.size());
        assertThat(read).hasSameSizeAs(sent).containsExactlyInAnyOrderElementsOf(sent);
    }

    private static int acknowledgedCount(List<String> acknowledged) {
        synchronized (acknowledged) {
            return acknowledged.size();
        }
    }

    private static Set<Integer> brokerIds() throws Exception {
        return admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).stream().map(Node::id)
                .collect(Collectors.toSet());
    }

    private static String createTopic(String prefix, int partitions) throws Exception {
        String topic = prefix + "-" + UUID.randomUUID();
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 3))).all().get(30, TimeUnit.SECONDS);
        // producing right after creation can stall on "not leader" (KAFKA-15591): wait for every leader first
        await().atMost(Duration.ofSeconds(30)).until(() -> describe(topic).partitions().stream()
                .map(TopicPartitionInfo::leader).allMatch(leader -> leader != null && !leader.isEmpty()));
        return topic;
    }

    private static TopicDescription describe(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
    }

    private static String value(Config config, String name) {
        ConfigEntry entry = config.get(name);
        return entry == null ? null : entry.value();
    }

    private static KafkaProducer<String, String> producer() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static List<String> consume(String topic, int expected) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "kafka-cluster-it-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
                return values.size() >= expected;
            });
            // a duplicate would arrive after the expected count: drain what is left
            for (int i = 0; i < 3; i++) {
                consumer.poll(Duration.ofMillis(500)).forEach(record -> values.add(record.value()));
            }
        }
        return values;
    }

    /** VmRSS of a process, read from {@code /proc}, for the footprint in the log. */
    private static String residentMemory(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))
                    .stream().filter(line -> line.startsWith("VmRSS:")).findFirst().orElse("VmRSS: unknown")
                    .replaceAll("\\s+", " ");
        } catch (IOException e) {
            return "VmRSS: unknown (" + e + ")";
        }
    }
}
