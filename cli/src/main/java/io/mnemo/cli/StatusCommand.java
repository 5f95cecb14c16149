package io.mnemo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mnemo.processors.db.ActivityProjectionWriter;
import io.mnemo.processors.db.MaintenanceLock;
import io.mnemo.processors.db.MediaProjectionWriter;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.topology.MemoryChangesTopology;
import io.mnemo.schemas.Topics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mnemo status}: how far each stage is behind the log — the stream processors (consumer lag on the event
 * log), each projection sink (offsets stored with the rows vs the end of its topic), the read-your-writes
 * watermark of the memories projection, each replica's replay lag — how many dead letters wait, and the replay or
 * rebuild running (or run last) per projection.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Lag of processors, projections and replicas, and dead letters waiting.")
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PostgresOptions postgres;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--replica-url", description = "JDBC URL of a replica to report (repeatable; default: the "
            + "replicas of the env file).")
    List<String> replicaUrls = new ArrayList<>();

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    /** The sinks and the topic each consumes, as the processors run them. */
    static final Map<String, String> SINKS = Map.of(MemoriesProjectionWriter.PROJECTION, Topics.MEMORY_CHANGES.name(),
            MediaProjectionWriter.PROJECTION, Topics.MEMORY_CHANGES.name(),
            ActivityProjectionWriter.PROJECTION, Topics.MEMORY_CHANGES.name());

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PostgresOptions.Connection db = postgres.resolve();
        KafkaOptions.Endpoints endpoints = kafka.resolve();
        Jdbi jdbi = Jdbi.create(db.url(), db.user(), db.password());
        Map<String, Object> status = new LinkedHashMap<>();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrap()));
             var consumer = new KafkaConsumer<byte[], byte[]>(Map.<String, Object>of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrap(),
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Map<Integer, Long> eventsEnd = endOffsets(consumer, Topics.MEMORY_EVENTS.name());
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                    MemoryChangesTopology.APPLICATION_ID).partitionsToOffsetAndMetadata().get();
            Map<Integer, Long> processorLag = new TreeMap<>();
            eventsEnd.forEach((partition, end) -> {
                OffsetAndMetadata at = committed.get(new TopicPartition(Topics.MEMORY_EVENTS.name(), partition));
                processorLag.put(partition, end - (at == null ? 0 : at.offset()));
            });
            status.put("processors", Map.of("group", MemoryChangesTopology.APPLICATION_ID,
                    "lag", processorLag.values().stream().mapToLong(Long::longValue).sum(),
                    "lagByPartition", processorLag));

            Map<String, Object> projections = new LinkedHashMap<>();
            for (var sink : new TreeMap<>(SINKS).entrySet()) {
                Map<Integer, Long> end = endOffsets(consumer, sink.getValue());
                Map<Integer, Long> stored = new HashMap<>();
                jdbi.useHandle(h -> h.createQuery("SELECT partition, next_offset FROM projection_offsets "
                                + "WHERE projection = :p AND topic = :t").bind("p", sink.getKey()).bind("t", sink.getValue())
                        .map((rs, ctx) -> Map.entry(rs.getInt(1), rs.getLong(2)))
                        .forEach(e -> stored.put(e.getKey(), e.getValue())));
                Map<Integer, Long> lag = new TreeMap<>();
                end.forEach((partition, last) -> lag.put(partition, last - stored.getOrDefault(partition, 0L)));
                Map<String, Object> projection = new LinkedHashMap<>();
                projection.put("topic", sink.getValue());
                projection.put("lag", lag.values().stream().mapToLong(Long::longValue).sum());
                projection.put("lagByPartition", lag);
                projections.put(sink.getKey(), projection);
            }
            Map<Integer, Long> watermarks = new TreeMap<>();
            jdbi.useHandle(h -> h.createQuery("SELECT partition, applied_offset FROM projection_watermarks "
                            + "WHERE projection = :p AND partition >= 0 AND partition < :n")
                    .bind("p", MemoriesProjectionWriter.PROJECTION).bind("n", eventsEnd.size())
                    .map((rs, ctx) -> Map.entry(rs.getInt(1), rs.getLong(2)))
                    .forEach(e -> watermarks.put(e.getKey(), e.getValue())));
            ((Map<String, Object>) projections.get(MemoriesProjectionWriter.PROJECTION))
                    .put("appliedWatermark", watermarks);
            status.put("projections", projections);
        }

        List<Map<String, Object>> replicas = new ArrayList<>();
        for (String url : replicaUrls.isEmpty() ? envReplicas() : replicaUrls) {
            Map<String, Object> replica = new LinkedHashMap<>();
            replica.put("url", url);
            try {
                var row = Jdbi.create(url, db.user(), db.password()).withHandle(h -> h.createQuery("""
                        SELECT pg_is_in_recovery() AS standby,
                               CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
                                    THEN 0 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END AS lag
                        """).mapToMap().one());
                replica.put("standby", row.get("standby"));
                replica.put("lagSeconds", row.get("lag") == null ? 0.0 : ((Number) row.get("lag")).doubleValue());
            } catch (RuntimeException e) {
                replica.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            replicas.add(replica);
        }
        status.put("replicas", replicas);
        status.put("deadLettersWaiting", DeadLetterLog.read(endpoints.bootstrap()).waiting().size());
        status.put("maintenance", maintenance(jdbi));

        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(status));
        } else {
            Map<?, ?> processors = (Map<?, ?>) status.get("processors");
            out.printf("stream processors   lag %,d events (group %s)%n", processors.get("lag"), processors.get("group"));
            ((Map<?, ?>) status.get("projections")).forEach((name, p) -> out.printf("projection %-20s lag %,d records%n",
                    name, ((Map<?, ?>) p).get("lag")));
            for (Map<String, Object> replica : replicas) {
                out.printf("replica %s  %s%n", replica.get("url"), replica.containsKey("error") ? "DOWN "
                        + replica.get("error") : String.format("lag %.1f s", (Double) replica.get("lagSeconds")));
            }
            out.printf("dead letters waiting %d%n", (Integer) status.get("deadLettersWaiting"));
            for (Map<String, Object> operation : (List<Map<String, Object>>) status.get("maintenance")) {
                Object total = operation.get("recordsTotal");
                out.printf("%s of %s  %s%s  %,d%s records  %s%s%n", operation.get("operation"),
                        operation.get("projection"), Boolean.TRUE.equals(operation.get("running")) ? "RUNNING " : "",
                        operation.get("phase"), ((Number) operation.get("recordsDone")).longValue(),
                        total == null ? "" : String.format(" / %,d", ((Number) total).longValue()),
                        operation.get("schema") == null ? "" : "schema " + operation.get("schema") + "  ",
                        operation.get("detail") == null ? "" : operation.get("detail"));
            }
        }
        return 0;
    }

    /**
     * The replay and rebuild of each projection that run or ran last; running means the command still holds the
     * projection's maintenance lock (a killed command releases it with its session).
     */
    private static List<Map<String, Object>> maintenance(Jdbi jdbi) {
        return jdbi.withHandle(h -> {
            List<Map<String, Object>> operations = new ArrayList<>();
            h.createQuery("""
                            SELECT projection, operation, phase, schema_name, records_done, records_total, detail,
                                   started_at, updated_at, finished_at
                            FROM projection_maintenance ORDER BY projection, operation""")
                    .mapToMap().forEach(row -> {
                        Map<String, Object> operation = new LinkedHashMap<>();
                        operation.put("projection", row.get("projection"));
                        operation.put("operation", row.get("operation"));
                        operation.put("phase", row.get("phase"));
                        operation.put("schema", row.get("schema_name"));
                        operation.put("recordsDone", row.get("records_done"));
                        operation.put("recordsTotal", row.get("records_total"));
                        operation.put("detail", row.get("detail"));
                        operation.put("startedAt", String.valueOf(row.get("started_at")));
                        operation.put("updatedAt", String.valueOf(row.get("updated_at")));
                        operation.put("finishedAt", row.get("finished_at") == null ? null
                                : String.valueOf(row.get("finished_at")));
                        operations.add(operation);
                    });
            for (Map<String, Object> operation : operations) {
                operation.put("running", unfinished(operation) && MaintenanceLock.isHeld(h, (String) operation.get("projection")));
            }
            return operations;
        });
    }

    private static boolean unfinished(Map<String, Object> operation) {
        return operation.get("finishedAt") == null;
    }

    private static Map<Integer, Long> endOffsets(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<Integer, Long> ends = new TreeMap<>();
        consumer.endOffsets(partitions).forEach((tp, end) -> ends.put(tp.partition(), end));
        return ends;
    }

    private List<String> envReplicas() throws java.io.IOException {
        Path env = postgres.envFile;
        if (env == null || !Files.isRegularFile(env)) {
            return List.of();
        }
        JsonNode replicas = new ObjectMapper().readTree(env.toFile()).path("postgres").path("replicas");
        List<String> urls = new ArrayList<>();
        replicas.forEach(url -> urls.add(url.asText()));
        return urls;
    }
}
