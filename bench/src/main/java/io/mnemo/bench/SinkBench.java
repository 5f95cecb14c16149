package io.mnemo.bench;

import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.MemoryPartitions;
import io.mnemo.processors.sink.PostgresProjectionSink;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.TopicSpec;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.serde.ConfluentAvroDeserializer;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
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
 * 500 rows, one thread (the sink is one thread too), next to COPY, and next to the Debezium JDBC sink on Kafka
 * Connect ({@link DebeziumJdbcSinkPeer}). Prints rows/s and the ratios.
 */
public final class SinkBench {
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
        int rows = Integer.parseInt(System.getProperty("bench.rows", "200000"));
        Path results = Path.of(System.getProperty("bench.results", "bench/results"));
        if (Boolean.getBoolean("bench.ownDevstack")) {
            // Kafka and Postgres of its own: no stream processors sharing the two cores
            try (var devstack = io.mnemo.devstack.Devstack.start(io.mnemo.devstack.DevstackOptions.ephemeral())) {
                var pg = devstack.primary();
                var primary = new BenchEnvironment.Postgres(pg.jdbcUrl(), pg.user(), pg.password() == null ? ""
                        : pg.password());
                run(new BenchEnvironment(null, null, null, devstack.kafkaBootstrap(), devstack.schemaRegistryUrl(),
                        primary, primary), rows, results);
            }
            return;
        }
        run(BenchEnvironment.fromEnvFile(Path.of(args.length > 0 ? args[0] : ".mnemo/dev-env.json")), rows, results);
    }

    static BenchResults run(BenchEnvironment env, int rows, Path resultsDir) throws Exception {
        String bootstrap = env.kafkaBootstrap();
        String url = env.primary().url();
        String user = env.primary().user();
        String password = env.primary().password();
        ProjectionMigrations.migrate(url, user, password);
        Jdbi jdbi = Jdbi.create(url, user, password).installPlugin(new PostgresPlugin());
        String runId = UUID.randomUUID().toString().substring(0, 8);
        var registry = new HttpSchemaRegistryClient(env.schemaRegistryUrl());

        System.out.printf("Projection sink benchmark: %,d memory changes, Postgres %s%n", rows, url);
        List<MemoryChanged> changes = generate("bench-sink-" + runId, rows, 7);
        List<MemoryChanged> rawChanges = generate("bench-raw-" + runId, rows, 7);
        List<MemoryChanged> copyChanges = generate("bench-copy-" + runId, rows, 7);
        // every run writes into existing months only: creating partitions is not what is measured
        MemoryPartitions partitions = new MemoryPartitions(jdbi, 8);
        partitions.ensureFor(changes.stream().map(c -> c.getState().getOccurredAt()).toList());

        String topic = "bench-sink-" + runId;
        createTopic(bootstrap, topic, 12, (short) 1, Map.of());
        // KAFKA-15591: right after creation, one request in flight and every send checked
        try (var producer = new KafkaProducer<String, SpecificRecord>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 10, ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                new StringSerializer(), new ConfluentAvroSerializer(registry, true))) {
            List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
            for (MemoryChanged change : changes) {
                sends.add(producer.send(new ProducerRecord<>(topic, change.getTenantId() + "/" + change.getUserId(),
                        change)));
            }
            for (var send : sends) {
                send.get(2, TimeUnit.MINUTES);
            }
        }

        double sink = mnemoSink(jdbi, bootstrap, registry, topic, partitions, rows);
        double raw = rawUpsert(jdbi, rawChanges);
        double copy = copy(jdbi, copyChanges);
        double debezium = DebeziumJdbcSinkPeer.run(env, jdbi, generate("bench-dbz-" + runId, rows, 7), runId, BATCH);
        BenchResults table = new BenchResults("sink", List.of("run", "rows", "seconds", "rows/s", "vs raw upsert",
                "vs COPY", "vs Debezium"));
        table.row("Mnemo memories sink (Kafka → version guard + memory_locator + offsets, 1 thread)", rows, rows / sink,
                sink, sink / raw, sink / copy, sink / debezium);
        table.row("baseline: raw unnest upsert, " + BATCH + " rows/transaction, 1 thread", rows, rows / raw, raw, 1.0,
                raw / copy, raw / debezium);
        table.row("baseline: COPY FROM STDIN, " + BATCH + " rows/transaction, 1 thread (no upsert, no guard)", rows,
                rows / copy, copy, copy / raw, 1.0, copy / debezium);
        table.row("peer: Debezium JDBC sink 3.6.0 on Kafka Connect 4.3.1 standalone (JSON, upsert, batch " + BATCH
                + ", 1 task)", rows, rows / debezium, debezium, debezium / raw, debezium / copy, 1.0);
        table.put("table", "the live memories table with its GIN indexes (tags, full-text content), existing months; "
                + "Debezium writes a table LIKE memories (same columns and indexes, not partitioned)");
        jdbi.useHandle(h -> {
            h.execute("DELETE FROM memories WHERE tenant_id IN (?, ?, ?)", "bench-sink-" + runId, "bench-raw-" + runId,
                    "bench-copy-" + runId);
            h.execute("DELETE FROM memory_locator WHERE tenant_id = ?", "bench-sink-" + runId);
            h.execute("DELETE FROM projection_offsets WHERE topic = ?", topic);
        });
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.deleteTopics(List.of(topic)).all().get();
        }
        table.write(resultsDir);
        return table;
    }

    /**
     * A benchmark's own topic, created the way the platform creates its topics ({@link TopicProvisioner}: every
     * partition led before anyone produces, KAFKA-15591), then a short settle.
     */
    static void createTopic(String bootstrap, String topic, int partitions, short replication,
                            Map<String, String> configs) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            new TopicProvisioner(admin).ensure(List.of(new TopicSpec(topic, configs)), partitions, replication,
                    Duration.ofSeconds(60));
        }
        TimeUnit.SECONDS.sleep(2);
    }

    /** The same rows through COPY (CSV), {@value #BATCH} per transaction: the loading limit of the table. */
    private static double copy(Jdbi jdbi, List<MemoryChanged> changes) throws Exception {
        long start = System.nanoTime();
        try (var handle = jdbi.open()) {
            var copy = handle.getConnection().unwrap(org.postgresql.PGConnection.class).getCopyAPI();
            for (int from = 0; from < changes.size(); from += BATCH) {
                StringBuilder csv = new StringBuilder();
                for (MemoryChanged c : changes.subList(from, Math.min(from + BATCH, changes.size()))) {
                    csv.append(c.getTenantId()).append(',').append(c.getUserId()).append(',')
                            .append(c.getState().getOccurredAt()).append(',').append(c.getMemoryId()).append(',')
                            .append(c.getState().getRecordedAt()).append(",\"")
                            .append(c.getState().getContent().replace("\"", "\"\"")).append("\",")
                            .append(c.getVersion()).append(",0,").append(c.getSourceOffset()).append('\n');
                }
                handle.begin();
                copy.copyIn("COPY memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, version, "
                        + "source_partition, source_offset) FROM STDIN (FORMAT csv)", new java.io.StringReader(
                        csv.toString()));
                handle.commit();
            }
        }
        return changes.size() / ((System.nanoTime() - start) / 1e9);
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
            long joinDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (sink.writtenRecords() == 0) {
                if (System.nanoTime() > joinDeadline) {
                    throw new IllegalStateException("the sink wrote nothing in 5 minutes");
                }
                TimeUnit.MILLISECONDS.sleep(1);
            }
            start = System.nanoTime();
            firstWritten = sink.writtenRecords();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            while (sink.writtenRecords() < rows) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the sink wrote " + sink.writtenRecords() + " of " + rows
                            + " records in 30 minutes");
                }
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
