package io.mnemo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mnemo.kit.db.DatabaseStatusDao;
import io.mnemo.kit.db.Daos;
import io.mnemo.processors.db.ActivityProjectionWriter;
import io.mnemo.processors.db.MaintenanceLock;
import io.mnemo.processors.db.MaintenanceRun;
import io.mnemo.processors.db.MediaProjectionWriter;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.ProjectionMaintenanceDao;
import io.mnemo.processors.db.ProjectionOffsets;
import io.mnemo.processors.db.ProjectionWatermarksDao;
import io.mnemo.processors.topology.MemoryChangesTopology;
import io.mnemo.schemas.Topics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
                Map<Integer, Long> stored = jdbi.withHandle(h -> ProjectionOffsets.load(h, sink.getKey(),
                        sink.getValue()));
                Map<Integer, Long> lag = new TreeMap<>();
                end.forEach((partition, last) -> lag.put(partition, pendingRecords(consumer,
                        new TopicPartition(sink.getValue(), partition), stored.getOrDefault(partition, 0L), last)));
                Map<String, Object> projection = new LinkedHashMap<>();
                projection.put("topic", sink.getValue());
                projection.put("lag", lag.values().stream().mapToLong(Long::longValue).sum());
                projection.put("lagByPartition", lag);
                projections.put(sink.getKey(), projection);
            }
            Map<Integer, Long> applied = jdbi.withHandle(h -> Daos.attach(h, ProjectionWatermarksDao.class)
                    .appliedOffsets(MemoriesProjectionWriter.PROJECTION, eventsEnd.size()));
            Map<Integer, Long> watermarks = new TreeMap<>(applied);
            ((Map<String, Object>) projections.get(MemoriesProjectionWriter.PROJECTION))
                    .put("appliedWatermark", watermarks);
            status.put("projections", projections);
        }

        List<Map<String, Object>> replicas = new ArrayList<>();
        for (String url : replicaUrls.isEmpty() ? envReplicas() : replicaUrls) {
            Map<String, Object> replica = new LinkedHashMap<>();
            replica.put("url", url);
            try {
                DatabaseStatusDao.Replication replication = Jdbi.create(url, db.user(), db.password())
                        .withHandle(h -> Daos.attach(h, DatabaseStatusDao.class).replication());
                replica.put("standby", replication.standby());
                replica.put("lagSeconds", replication.lagSeconds());
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
            for (MaintenanceRun run : Daos.attach(h, ProjectionMaintenanceDao.class).all()) {
                Map<String, Object> operation = new LinkedHashMap<>();
                operation.put("projection", run.projection());
                operation.put("operation", run.operation().label());
                operation.put("phase", run.phase().label());
                operation.put("schema", run.schemaName());
                operation.put("recordsDone", run.recordsDone());
                operation.put("recordsTotal", run.recordsTotal());
                operation.put("detail", run.describe());
                operation.put("startedAt", timestamp(run.startedAt()));
                operation.put("updatedAt", timestamp(run.updatedAt()));
                operation.put("finishedAt", run.finishedAt() == null ? null : timestamp(run.finishedAt()));
                operation.put("running", run.finishedAt() == null && MaintenanceLock.isHeld(h, run.projection()));
                operations.add(operation);
            }
            return operations;
        });
    }

    /** As the JDBC driver prints a timestamptz: local time, e.g. {@code 2026-11-23 10:00:00.123456}. */
    private static String timestamp(Instant instant) {
        return Timestamp.from(instant).toString();
    }

    /** Up to this many offsets behind, a projection's lag is counted record by record (see pendingRecords). */
    static final long EXACT_COUNT_LIMIT = 50_000;

    /**
     * Records a sink has still to apply between its stored offset and the end of the partition. A sink stores the
     * offset after the last record it applied, but a transactional topic has a commit marker after each
     * transaction, so end minus stored would never read 0 at rest. The records are therefore counted with a
     * read_committed consumer, which skips markers and aborted records, when the gap is small; beyond
     * {@link #EXACT_COUNT_LIMIT} (or if counting takes over 5 s) the gap itself is reported, where the markers'
     * share does not matter.
     */
    static long pendingRecords(Consumer<byte[], byte[]> consumer, TopicPartition partition, long from, long end) {
        if (end <= from) {
            return 0;
        }
        if (end - from > EXACT_COUNT_LIMIT) {
            return end - from;
        }
        consumer.assign(List.of(partition));
        consumer.seek(partition, from);
        long counted = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (consumer.position(partition) < end) {
            if (System.nanoTime() > deadline) {
                return end - from;
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.offset() < end) {
                    counted++;
                }
            }
        }
        return counted;
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
