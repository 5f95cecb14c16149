package io.mnemo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.MemoryPartitions;
import io.mnemo.processors.sink.PostgresProjectionSink;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.serde.ConfluentAvroDeserializer;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;

/**
 * The memories projection sink against a running {@code ./mnemo dev} (Kafka and the Postgres primary from
 * {@code .mnemo/dev-env.json}): the same N memory changes (seeded, 1,000 users, a year of months) through
 * Mnemo's sink — Kafka consumer, version guard, memory_locator, offsets in the same transaction — next to the
 * baseline of a raw {@code unnest} upsert of the same rows into the same table from memory, one transaction per
 * 500 rows, one thread (the sink is one thread too). Prints rows/s and the ratio.
 */
public final class SinkBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 500;

    static final String RAW_UPSERT = """
            INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, tags, attributes,
                                  media_ids, version, source_partition, source_offset)
            SELECT t.tenant_id, t.user_id, t.occurred_at::timestamptz, t.memory_id, t.recorded_at::timestamptz, t.content, '{}', '{}', '{}',
                   t.version, 0, t.source_offset
            FROM unnest(:tenants, :users, :occurredAts, :ids, :recordedAts, :contents, :versions, :offsets)
                 AS t(tenant_id, user_id, occurred_at, memory_id, recorded_at, content, version, source_offset)
            ON CONFLICT (tenant_id, user_id, occurred_at, memory_id) DO UPDATE SET
                content = EXCLUDED.content, version = EXCLUDED.version, source_offset = EXCLUDED.source_offset
            WHERE memories.version < EXCLUDED.version
            """;

    public static void main(String[] args) throws Exception {
        Path envFile = Path.of(args.length > 0 ? args[0] : ".mnemo/dev-env.json");
        int rows = Integer.parseInt(System.getProperty("bench.rows", "200000"));
        JsonNode env = JSON.readTree(Files.readString(envFile));
        String bootstrap = env.get("kafkaBootstrap").asText();
        String registryUrl = env.get("schemaRegistryUrl").asText();
        JsonNode pg = env.get("postgres");
        String url = pg.get("primary").asText();
        String user = pg.get("user").asText();
        String password = pg.get("password").asText();
        ProjectionMigrations.migrate(url, user, password);
        Jdbi jdbi = Jdbi.create(url, user, password).installPlugin(new PostgresPlugin());
        String runId = UUID.randomUUID().toString().substring(0, 8);
        var registry = new HttpSchemaRegistryClient(registryUrl);

        System.out.printf("Projection sink benchmark: %,d memory changes, %d cores, Postgres %s%n", rows,
                Runtime.getRuntime().availableProcessors(), url);
        List<MemoryChanged> changes = generate("bench-sink-" + runId, rows, 7);
        List<MemoryChanged> rawChanges = generate("bench-raw-" + runId, rows, 7);
        // both runs write into existing months only: creating partitions is not what is measured
        MemoryPartitions partitions = new MemoryPartitions(jdbi, 8);
        partitions.ensureFor(changes.stream().map(c -> c.getState().getOccurredAt()).toList());

        String topic = "bench-sink-" + runId;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 12, (short) 1))).all().get();
        }
        try (var producer = new KafkaProducer<String, SpecificRecord>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 10, ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"),
                new StringSerializer(), new ConfluentAvroSerializer(registry, true))) {
            for (MemoryChanged change : changes) {
                producer.send(new ProducerRecord<>(topic, change.getTenantId() + "/" + change.getUserId(), change));
            }
        }

        double sink = mnemoSink(jdbi, bootstrap, registry, topic, partitions, rows);
        double raw = rawUpsert(jdbi, rawChanges);
        System.out.println();
        System.out.println("| run | rows | seconds | rows/s | vs raw |");
        System.out.println("|---|---|---|---|---|");
        System.out.printf("| Mnemo memories sink (Kafka → version guard + memory_locator + offsets, 1 thread) "
                + "| %,d | %.1f | %,.0f | %.2f |%n", rows, rows / sink, sink, sink / raw);
        System.out.printf("| baseline: raw unnest upsert, %d rows/transaction, 1 thread | %,d | %.1f | %,.0f | 1.00 |%n",
                BATCH, rows, rows / raw, raw);
        jdbi.useHandle(h -> {
            h.execute("DELETE FROM memories WHERE tenant_id IN (?, ?)", "bench-sink-" + runId, "bench-raw-" + runId);
            h.execute("DELETE FROM memory_locator WHERE tenant_id = ?", "bench-sink-" + runId);
            h.execute("DELETE FROM projection_offsets WHERE topic = ?", topic);
        });
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.deleteTopics(List.of(topic)).all().get();
        }
    }

    static List<MemoryChanged> generate(String tenant, int count, long seed) {
        Random random = new Random(seed);
        Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<MemoryChanged> changes = new ArrayList<>(count);
        String filler = "x".repeat(240);
        for (int i = 0; i < count; i++) {
            changes.add(MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant)
                    .setUserId("user-" + random.nextInt(1_000)).setMemoryId(new UUID(seed, i)).setVersion(1)
                    .setKind(MemoryChangeKind.UPSERTED)
                    .setState(MemoryState.newBuilder()
                            .setOccurredAt(base.minus(random.nextInt(365), ChronoUnit.DAYS))
                            .setRecordedAt(base).setContent("memory " + i + " " + filler).setTags(List.of())
                            .setAttributes(Map.of()).setMediaIds(List.of()).setMedia(List.of()).build())
                    .setSourcePartition(0).setSourceOffset(i).build());
        }
        return changes;
    }

    private static double mnemoSink(Jdbi jdbi, String bootstrap, HttpSchemaRegistryClient registry, String topic,
                                    MemoryPartitions partitions, int rows) throws Exception {
        var consumer = new KafkaConsumer<String, SpecificRecord>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "bench-" + topic,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, BATCH),
                new StringDeserializer(), new ConfluentAvroDeserializer(registry));
        var sink = new PostgresProjectionSink<>(consumer, topic, jdbi, new MemoriesProjectionWriter(partitions),
                Duration.ofMillis(100), Duration.ofSeconds(5));
        sink.start();
        long start;
        long firstWritten;
        long end;
        try {
            // from the first written batch: joining the consumer group is not throughput
            while (sink.writtenRecords() == 0) {
                TimeUnit.MILLISECONDS.sleep(1);
            }
            start = System.nanoTime();
            firstWritten = sink.writtenRecords();
            while (sink.writtenRecords() < rows) {
                TimeUnit.MILLISECONDS.sleep(5);
            }
            end = System.nanoTime();
        } finally {
            sink.stop();
        }
        return (rows - firstWritten) / ((end - start) / 1e9);
    }

    private static double rawUpsert(Jdbi jdbi, List<MemoryChanged> changes) {
        long start = System.nanoTime();
        for (int from = 0; from < changes.size(); from += BATCH) {
            List<MemoryChanged> batch = changes.subList(from, Math.min(from + BATCH, changes.size()));
            int n = batch.size();
            String[] tenants = new String[n];
            String[] users = new String[n];
            String[] occurredAts = new String[n];
            UUID[] ids = new UUID[n];
            String[] recordedAts = new String[n];
            String[] contents = new String[n];
            Long[] versions = new Long[n];
            Long[] offsets = new Long[n];
            for (int i = 0; i < n; i++) {
                MemoryChanged c = batch.get(i);
                tenants[i] = c.getTenantId();
                users[i] = c.getUserId();
                occurredAts[i] = c.getState().getOccurredAt().toString();
                ids[i] = c.getMemoryId();
                recordedAts[i] = c.getState().getRecordedAt().toString();
                contents[i] = c.getState().getContent();
                versions[i] = c.getVersion();
                offsets[i] = c.getSourceOffset();
            }
            jdbi.useTransaction(h -> h.createUpdate(RAW_UPSERT)
                    .bind("tenants", tenants).bind("users", users).bind("occurredAts", occurredAts)
                    .bind("ids", ids).bind("recordedAts", recordedAts).bind("contents", contents)
                    .bind("versions", versions).bind("offsets", offsets).execute());
        }
        return changes.size() / ((System.nanoTime() - start) / 1e9);
    }
}
