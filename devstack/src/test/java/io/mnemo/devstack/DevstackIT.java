package io.mnemo.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

@ExtendWith(DevstackExtension.class)
class DevstackIT {

    private final Devstack devstack;

    DevstackIT(Devstack devstack) {
        this.devstack = devstack;
    }

    @Test
    void consumesWhatWasProducedWithAcksAll() throws Exception {
        String topic = createTopic("round-trip", 3);

        RecordMetadata sent = produce(topic, "memory-1", "captured");

        assertThat(sent.offset()).isZero();
        assertThat(consume(topic, 1)).extracting(ConsumerRecord::value).containsExactly("captured");
    }

    @Test
    void replicaIsInRecoveryWhilePrimaryIsNot() throws SQLException {
        assertThat(queryString(devstack.primary(), "SELECT pg_is_in_recovery()::text")).isEqualTo("false");
        assertThat(queryString(devstack.replicas().get(0), "SELECT pg_is_in_recovery()::text")).isEqualTo("true");
    }

    @Test
    void rowWrittenOnThePrimaryBecomesVisibleOnTheReplica() throws SQLException {
        String id = UUID.randomUUID().toString();
        try (Connection primary = connect(devstack.primary()); Statement statement = primary.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS replication_probe (id text PRIMARY KEY)");
            try (PreparedStatement insert = primary.prepareStatement("INSERT INTO replication_probe VALUES (?)")) {
                insert.setString(1, id);
                insert.executeUpdate();
            }
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(queryString(devstack.replicas().get(0),
                        "SELECT count(*)::text FROM replication_probe WHERE id = '" + id + "'")).isEqualTo("1"));
    }

    @Test
    void primaryCommitsDurably() throws SQLException {
        assertThat(queryString(devstack.primary(), "SHOW fsync")).isEqualTo("on");
        assertThat(queryString(devstack.primary(), "SHOW synchronous_commit")).isEqualTo("on");
        assertThat(queryString(devstack.primary(), "SHOW full_page_writes")).isEqualTo("on");
    }

    @Test
    void storesAndReturnsAnObjectInTheMediaBucket() {
        S3Endpoint endpoint = devstack.s3();
        byte[] content = "a photo, honestly".getBytes(StandardCharsets.UTF_8);
        String key = "media/tenant-1/" + UUID.randomUUID();
        try (S3Client s3 = S3ProxyServer.client(endpoint)) {
            s3.putObject(request -> request.bucket(endpoint.bucket()).key(key), RequestBody.fromBytes(content));

            byte[] read = s3.getObjectAsBytes(request -> request.bucket(endpoint.bucket()).key(key)).asByteArray();

            assertThat(read).isEqualTo(content);
        }
    }

    @Test
    void recordProducedBeforeABrokerCrashIsReadableAfterRestart() throws Exception {
        String topic = createTopic("survives-kill", 1);
        RecordMetadata sent = produce(topic, "memory-2", "acknowledged");

        devstack.kafka().kill();
        assertThat(devstack.kafka().isRunning()).isFalse();
        devstack.kafka().start();

        assertThat(devstack.kafka().isRunning()).isTrue();
        List<ConsumerRecord<String, String>> records = consume(topic, 1);
        assertThat(records).singleElement().satisfies(record -> {
            assertThat(record.offset()).isEqualTo(sent.offset());
            assertThat(record.value()).isEqualTo("acknowledged");
        });
    }

    private String createTopic(String prefix, int partitions) throws Exception {
        String topic = prefix + "-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // producing right after creation can stall on "not leader" (KAFKA-15591): wait for every leader first
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(5, TimeUnit.SECONDS).get(topic).partitions().stream()
                    .map(TopicPartitionInfo::leader).allMatch(leader -> leader != null));
        }
        return topic;
    }

    private RecordMetadata produce(String topic, String key, String value) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            return producer.send(new ProducerRecord<>(topic, 0, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    private List<ConsumerRecord<String, String>> consume(String topic, int expected) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "devstack-it-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
                return records.size() >= expected;
            });
        }
        return records;
    }

    private static Connection connect(PostgresEndpoint endpoint) throws SQLException {
        return DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.user(), endpoint.password());
    }

    private static String queryString(PostgresEndpoint endpoint, String sql) throws SQLException {
        try (Connection connection = connect(endpoint); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            assertThat(result.next()).isTrue();
            return result.getString(1);
        }
    }
}
