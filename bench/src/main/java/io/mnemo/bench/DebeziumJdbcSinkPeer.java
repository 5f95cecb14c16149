package io.mnemo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mnemo.schemas.changes.MemoryChanged;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;

/**
 * The peer of the projection sink benchmark: the same rows as JSON-with-schema records on a topic of their own,
 * written by the Debezium JDBC sink connector (upsert on the same primary key, batches of the same size) running in
 * Kafka Connect standalone in a child JVM, into a table with the columns and indexes of {@code memories} (not
 * partitioned: the connector looks its table up as a plain table). rows/s from the first row written.
 */
final class DebeziumJdbcSinkPeer {
    private static final String CLASSPATH_RESOURCE = "io/mnemo/bench/debezium-connect.classpath";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DebeziumJdbcSinkPeer() {
    }

    static double run(BenchEnvironment env, Jdbi jdbi, List<MemoryChanged> changes, String runId, int batch)
            throws Exception {
        String topic = "bench-dbz-" + runId;
        String table = "bench_debezium_" + runId.replace('-', '_');
        jdbi.useHandle(h -> h.execute("CREATE TABLE " + table + " (LIKE memories INCLUDING DEFAULTS "
                + "INCLUDING CONSTRAINTS INCLUDING INDEXES)"));
        SinkBench.createTopic(env.kafkaBootstrap(), topic, 12, (short) 1, Map.of());
        produce(env, topic, changes);
        Path dir = Files.createTempDirectory("mnemo-bench-connect");
        Files.writeString(dir.resolve("worker.properties"), String.join("\n",
                "bootstrap.servers=" + env.kafkaBootstrap(),
                "key.converter=org.apache.kafka.connect.storage.StringConverter",
                "value.converter=org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable=true",
                "offset.storage.file.filename=" + dir.resolve("offsets"),
                "plugin.discovery=hybrid_warn",
                "listeners=http://127.0.0.1:0",
                "consumer.max.poll.records=" + batch, ""));
        Files.writeString(dir.resolve("connector.properties"), String.join("\n",
                "name=bench-debezium-" + runId,
                "connector.class=io.debezium.connector.jdbc.JdbcSinkConnector",
                "tasks.max=1",
                "topics=" + topic,
                "connection.url=" + env.primary().url(),
                "connection.username=" + env.primary().user(),
                "connection.password=" + env.primary().password(),
                "insert.mode=upsert",
                "primary.key.mode=record_value",
                "primary.key.fields=tenant_id,user_id,occurred_at,memory_id",
                "schema.evolution=none",
                "table.name.format=" + table,
                "batch.size=" + batch,
                "use.time.zone=UTC", ""));
        Path log = dir.resolve("connect.log");
        Process connect = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", classpath(), "org.apache.kafka.connect.cli.ConnectStandalone",
                dir.resolve("worker.properties").toString(), dir.resolve("connector.properties").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            long rows = 0;
            while ((rows = count(jdbi, table)) == 0) {
                check(connect, log, deadline);
                TimeUnit.MILLISECONDS.sleep(20);
            }
            long started = System.nanoTime();
            long first = rows;
            deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            while ((rows = count(jdbi, table)) < changes.size()) {
                check(connect, log, deadline);
                TimeUnit.MILLISECONDS.sleep(50);
            }
            return (rows - first) / ((System.nanoTime() - started) / 1e9);
        } finally {
            connect.destroy();
            if (!connect.waitFor(20, TimeUnit.SECONDS)) {
                connect.destroyForcibly();
            }
            jdbi.useHandle(h -> h.execute("DROP TABLE " + table));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrap()))) {
                admin.deleteTopics(List.of(topic)).all().get();
            }
        }
    }

    private static void check(Process connect, Path log, long deadline) throws IOException {
        if (!connect.isAlive() || System.nanoTime() > deadline) {
            List<String> lines = Files.readAllLines(log);
            throw new IllegalStateException("Kafka Connect " + (connect.isAlive() ? "too slow" : "exited") + "; last "
                    + "lines of " + log + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30),
                    lines.size())));
        }
    }

    private static long count(Jdbi jdbi, String table) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one());
    }

    /** The rows as Connect JSON with an inline schema (timestamps as Connect's Timestamp logical type). */
    private static void produce(BenchEnvironment env, String topic, List<MemoryChanged> changes) throws Exception {
        ObjectNode schema = JSON.createObjectNode().put("type", "struct").put("name", "memory").put("optional", false);
        ArrayNode fields = schema.putArray("fields");
        for (String name : List.of("tenant_id", "user_id", "memory_id", "content")) {
            fields.addObject().put("field", name).put("type", "string").put("optional", false);
        }
        for (String name : List.of("occurred_at", "recorded_at")) {
            fields.addObject().put("field", name).put("type", "int64").put("optional", false)
                    .put("name", "org.apache.kafka.connect.data.Timestamp").put("version", 1);
        }
        fields.addObject().put("field", "version").put("type", "int64").put("optional", false);
        fields.addObject().put("field", "source_partition").put("type", "int32").put("optional", false);
        fields.addObject().put("field", "source_offset").put("type", "int64").put("optional", false);
        try (var producer = new KafkaProducer<String, String>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 10, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                new StringSerializer(), new StringSerializer())) {
            List<Future<?>> sends = new ArrayList<>();
            for (MemoryChanged c : changes) {
                ObjectNode payload = JSON.createObjectNode().put("tenant_id", c.getTenantId())
                        .put("user_id", c.getUserId()).put("memory_id", c.getMemoryId().toString())
                        .put("content", c.getState().getContent())
                        .put("occurred_at", c.getState().getOccurredAt().toEpochMilli())
                        .put("recorded_at", c.getState().getRecordedAt().toEpochMilli())
                        .put("version", c.getVersion()).put("source_partition", 0).put("source_offset", c.getSourceOffset());
                ObjectNode value = JSON.createObjectNode();
                value.set("schema", schema);
                value.set("payload", payload);
                sends.add(producer.send(new ProducerRecord<>(topic, c.getTenantId() + "/" + c.getUserId(),
                        value.toString())));
            }
            for (Future<?> send : sends) {
                send.get(2, TimeUnit.MINUTES);
            }
        }
    }

    private static String classpath() throws IOException {
        try (InputStream in = DebeziumJdbcSinkPeer.class.getClassLoader().getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CLASSPATH_RESOURCE + " is missing: is bench-debezium-runtime built?");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }
}
