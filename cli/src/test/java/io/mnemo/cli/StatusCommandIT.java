package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** {@code mnemo status} on the devstack: every stage reported, the replica as a standby, dead letters counted. */
@ExtendWith(DevstackExtension.class)
class StatusCommandIT {
    @Test
    void reportsProcessorAndProjectionLagReplicasAndDeadLetters() throws Exception {
        var devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()))) {
            new TopicProvisioner(admin).ensure(Topics.all(), 12, (short) 1, Duration.ofSeconds(60));
        }
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new MnemoCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        int exit = cli.execute("status", "--json", "--jdbc-url", pg.jdbcUrl(), "--user", pg.user(),
                "--password=" + (pg.password() == null ? "" : pg.password()),
                "--bootstrap", devstack.kafkaBootstrap(), "--schema-registry", devstack.schemaRegistryUrl(),
                "--replica-url", devstack.replicas().get(0).jdbcUrl());

        // a verdict (1 when this stack's consumers are behind: it runs no processors), not an error (2)
        assertThat(exit).as(out.toString()).isIn(0, 1);
        JsonNode status = new ObjectMapper().readTree(out.toString());
        assertThat(status.get("healthy").asBoolean()).isEqualTo(exit == 0);
        assertThat(status.get("verdict").asText()).isIn("healthy", "degraded", "down");
        for (String probed : List.of("kafka", "schema-registry", "postgres-primary", "postgres-replica-1")) {
            assertThat(status.at("/infrastructure/" + probed + "/state").asText()).as(probed).isEqualTo("up");
        }
        assertThat(status.get("notChecked").toString()).as("no admin URLs given, no env file")
                .contains("ingest", "query", "processors", "s3");
        assertThat(status.at("/processors/lagSeconds").isNumber()).isTrue();
        assertThat(status.at("/projections/memories/lagSeconds").isNumber()).isTrue();
        assertThat(status.get("processors").get("lagByPartition")).hasSize(12);
        assertThat(status.get("projections").get("memories").has("appliedWatermark")).isTrue();
        // search is its own projection: its own lag and the watermark q= reads wait for
        assertThat(status.at("/projections/memory_search/lagSeconds").isNumber()).isTrue();
        assertThat(status.get("projections").get("memory_search").has("appliedWatermark")).isTrue();
        assertThat(status.get("projections").get("media").get("topic").asText()).isEqualTo(Topics.MEMORY_CHANGES.name());
        assertThat(status.get("projections").get("user_activity_daily").get("lag").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(status.get("replicas").get(0).get("standby").asBoolean()).isTrue();
        assertThat(status.get("deadLettersWaiting").isInt()).isTrue();
    }

    /**
     * A deployed platform given by flags: two ingest instances, one of them not answering, and a processors instance
     * whose health check reports Streams. The admin endpoints are minimal HTTP servers answering as Dropwizard's
     * {@code /healthcheck} does: what is under test is how status reads and judges them.
     */
    @Test
    void namesTheOneInstanceThatIsDownAndExitsOneAndWatchPrintsOneDocumentPerRefresh() throws Exception {
        var devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        HttpServer ingest = healthEndpoint(200, "{\"deadlocks\":{\"healthy\":true}}");
        HttpServer processors = healthEndpoint(200, "{\"streams\":{\"healthy\":true,\"message\":\"RUNNING, 2 "
                + "thread(s)\",\"state\":\"RUNNING\",\"threads\":2}}");
        HttpServer query = healthEndpoint(500, "{\"replica\":{\"healthy\":false,\"message\":\"replica lag 90 s\"}}");
        int deadPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        try {
            StringWriter out = new StringWriter();
            CommandLine cli = new CommandLine(new MnemoCli());
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(new StringWriter(), true));
            int exit = cli.execute("status", "--json", "--watch", "--watch-count", "2",
                    "--jdbc-url", pg.jdbcUrl(), "--user", pg.user(),
                    "--password=" + (pg.password() == null ? "" : pg.password()),
                    "--bootstrap", devstack.kafkaBootstrap(), "--schema-registry", devstack.schemaRegistryUrl(),
                    "--ingest-admin-url", url(ingest), "--ingest-admin-url", "http://127.0.0.1:" + deadPort,
                    "--query-admin-url", url(query), "--processors-admin-url", url(processors),
                    "--max-lag", "100000000");

            assertThat(exit).as(out.toString()).isEqualTo(1);
            List<String> documents = out.toString().lines().filter(line -> !line.isBlank()).toList();
            assertThat(documents).as("--watch --json: one document per line, per refresh").hasSize(2);
            JsonNode status = new ObjectMapper().readTree(documents.get(1));
            assertThat(status.get("healthy").asBoolean()).isFalse();
            assertThat(status.get("verdict").asText()).as("one of two ingest instances is down").isEqualTo("degraded");
            assertThat(status.at("/services/ingest-1/state").asText()).isEqualTo("up");
            assertThat(status.at("/services/ingest-2/state").asText()).isEqualTo("down");
            assertThat(status.at("/services/query/state").asText()).isEqualTo("degraded");
            assertThat(status.at("/services/query/reason").asText()).isEqualTo("replica: replica lag 90 s");
            assertThat(status.at("/streams/state").asText()).isEqualTo("RUNNING");
            assertThat(status.at("/streams/threads").asInt()).isEqualTo(2);
            assertThat(status.get("reasons").toString()).contains("ingest-2 down: not answering at http://127.0.0.1:"
                    + deadPort + "/healthcheck", "query degraded: replica: replica lag 90 s");
        } finally {
            ingest.stop(0);
            processors.stop(0);
            query.stop(0);
        }
    }

    private static HttpServer healthEndpoint(int status, String body) throws java.io.IOException {
        HttpServer server = HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/healthcheck", exchange -> {
            byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static String url(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void pendingRecordsCountsOnlyCommittedRecordsSoAProjectionAtRestHasNoLag() throws Exception {
        var devstack = DevstackExtension.devstack();
        String topic = "status-pending-records";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "status-pending-records-test"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            // offsets 0-2 records, 3 commit marker; 4-5 aborted records, 6 abort marker; 7 record, 8 commit marker
            transaction(producer, topic, 3, true);
            transaction(producer, topic, 2, false);
            transaction(producer, topic, 1, true);
        }
        TopicPartition partition = new TopicPartition(topic, 0);
        try (var consumer = new KafkaConsumer<byte[], byte[]>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            // commitTransaction returns before the coordinator has written the markers: wait for the last one
            long end = await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ofMillis(50))
                    .until(() -> consumer.endOffsets(List.of(partition)).get(partition), e -> e >= 9);
            assertThat(end).isEqualTo(9);
            assertThat(PlatformStatus.pendingRecords(consumer, partition, 0, end).records()).isEqualTo(4);
            assertThat(PlatformStatus.pendingRecords(consumer, partition, 3, end).records()).isEqualTo(1);
            // what a sink stores after applying the last record: one past it, before the final marker
            assertThat(PlatformStatus.pendingRecords(consumer, partition, 8, end).records()).isZero();
        }
    }

    private static void transaction(KafkaProducer<byte[], byte[]> producer, String topic, int records, boolean commit) {
        producer.beginTransaction();
        for (int i = 0; i < records; i++) {
            producer.send(new ProducerRecord<>(topic, 0, null, new byte[] {(byte) i}));
        }
        // written to the log before the end of the transaction (an abort discards records not sent yet)
        producer.flush();
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }
}
