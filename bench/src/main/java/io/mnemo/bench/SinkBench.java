package io.mnemo.bench;

import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.MemorySearchProjectionWriter;
import io.mnemo.processors.sink.ProjectionWriter;
import io.mnemo.processors.SinkSettings;
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
import io.mnemo.kit.crypto.EncryptionFactory;
import io.mnemo.kit.crypto.UserKeyStore;
import io.mnemo.kit.crypto.UserRef;
import io.mnemo.schemas.sealing.DataKey;
import io.mnemo.schemas.sealing.MasterKey;
import io.mnemo.schemas.sealing.MemorySeal;
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
    /** The processors' default number of search writers. */
    private static final int SEARCH_WRITERS = new SinkSettings().getSearchWriters();

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

    /**
     * The same raw upsert writing the locator row too, as the sink must (reads by id and the version guard across
     * moves and deletions need it): the floor of the sink's two-table write, without Kafka, the guard's lookups,
     * watermarks or offsets.
     */
    static final String RAW_UPSERT_WITH_LOCATOR = """
            WITH t AS (
                SELECT * FROM unnest(:tenants, :users, :occurredAts, :ids, :recordedAts, :contents, :versions, :offsets)
                     AS t(tenant_id, user_id, occurred_at, memory_id, recorded_at, content, version, source_offset)
            ), rows AS (
                INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, tags,
                                      attributes, media_ids, version, source_partition, source_offset)
                SELECT t.tenant_id, t.user_id, t.occurred_at::timestamptz, t.memory_id, t.recorded_at::timestamptz,
                       t.content, '{}', '{}', '{}', t.version, 0, t.source_offset
                FROM t
                ON CONFLICT (tenant_id, user_id, occurred_at, memory_id) DO UPDATE SET
                    content = EXCLUDED.content, version = EXCLUDED.version, source_offset = EXCLUDED.source_offset
                WHERE memories.version < EXCLUDED.version
            )
            INSERT INTO memory_locator (tenant_id, user_id, memory_id, occurred_at, version, deleted)
            SELECT t.tenant_id, t.user_id, t.memory_id, t.occurred_at::timestamptz, t.version, false FROM t
            ON CONFLICT (tenant_id, user_id, memory_id) DO UPDATE SET
                occurred_at = EXCLUDED.occurred_at, version = EXCLUDED.version
            WHERE memory_locator.version < EXCLUDED.version
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
                        primary, primary), rows, results, true);
            }
            return;
        }
        run(BenchEnvironment.fromEnvFile(Path.of(args.length > 0 ? args[0] : ".mnemo/dev-env.json")), rows, results);
    }

    static BenchResults run(BenchEnvironment env, int rows, Path resultsDir) throws Exception {
        return run(env, rows, resultsDir, false);
    }

    /**
     * @param ownTables the database is the bench's own: every contender starts on empty tables (TRUNCATE), so none
     *                  inherits another's GIN pending list, bloat or autovacuum; otherwise each writes its own tenant
     *                  into the live table (a platform in use must not be emptied)
     */
    static BenchResults run(BenchEnvironment env, int rows, Path resultsDir, boolean ownTables) throws Exception {
        String bootstrap = env.kafkaBootstrap();
        String url = env.primary().url();
        String user = env.primary().user();
        String password = env.primary().password();
        ProjectionMigrations.migrate(url, user, password);
        int writers = Integer.getInteger("bench.writers", new SinkSettings().getMemoriesWriters());
        int rounds = Integer.getInteger("bench.rounds", 3);
        // Pooled like the platform's: no contender pays a connection per transaction.
        org.apache.tomcat.jdbc.pool.DataSource pool = new org.apache.tomcat.jdbc.pool.DataSource();
        pool.setUrl(url);
        pool.setUsername(user);
        pool.setPassword(password);
        pool.setDriverClassName("org.postgresql.Driver");
        pool.setMaxActive(writers + 4);
        pool.setMaxIdle(writers + 4);
        pool.setInitialSize(writers + 1);
        Jdbi jdbi = Jdbi.create(pool).installPlugin(new PostgresPlugin());
        String runId = UUID.randomUUID().toString().substring(0, 8);
        var registry = new HttpSchemaRegistryClient(env.schemaRegistryUrl());

        System.out.printf("Projection sink benchmark: %,d memory changes, %d writer(s), %d round(s), Postgres %s%n",
                rows, writers, rounds, url);
        String sinkTenant = "bench-sink-" + runId;
        // The sinks' records are sealed as ingest seals them: the sink pays what it pays in the platform (one key
        // read a batch, opening every row). The raw upsert and COPY write the same rows in clear.
        UserKeyStore userKeys = new UserKeyStore(jdbi, MasterKey.fromBase64(EncryptionFactory.DEV_MASTER_KEY));
        List<MemoryChanged> changes = sealed(generate(sinkTenant, rows, 7), userKeys);
        // every run writes into existing months only: creating partitions is not what is measured
        MemoryPartitions partitions = new MemoryPartitions(jdbi, 8);
        partitions.ensureFor(changes.stream().map(c -> c.getState().getOccurredAt()).toList());

        boolean withoutGin = Boolean.getBoolean("bench.withoutGinIndexes");
        if (withoutGin) {
            if (!ownTables) {
                throw new IllegalArgumentException("bench.withoutGinIndexes drops indexes: only with bench.ownDevstack");
            }
            // what the full-text and tags indexes cost every writer (an experiment, on the bench's own database)
            jdbi.useHandle(h -> h.execute("DROP INDEX memories_tags"));
        }
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

        // ABAB...: contenders alternate, each on fresh tables, and the median of the rounds is reported
        List<Measured> sinkRuns = new ArrayList<>();
        List<Measured> rawRuns = new ArrayList<>();
        List<Measured> rawLocatorRuns = new ArrayList<>();
        List<Measured> copyRuns = new ArrayList<>();
        List<Measured> searchRuns = new ArrayList<>();
        List<String> cleanup = new ArrayList<>(List.of(sinkTenant));
        for (int round = 1; round <= rounds; round++) {
            String suffix = ownTables ? "" : "-" + round;
            fresh(jdbi, ownTables, topic);
            String sinkGroup = "bench-" + topic + "-" + round;
            jdbi.useHandle(h -> h.execute("DELETE FROM projection_offsets WHERE topic = ?", topic));
            if (!ownTables && round > 1) {
                // the sink's rows of the last round stay: the version guard would make this round no-ops
                jdbi.useHandle(h -> {
                    h.execute("DELETE FROM memories WHERE tenant_id = ?", sinkTenant);
                    h.execute("DELETE FROM memory_locator WHERE tenant_id = ?", sinkTenant);
                });
            }
            sinkRuns.add(measure(() -> mnemoSink(jdbi, bootstrap, registry, topic, sinkGroup,
                    new MemoriesProjectionWriter(partitions, userKeys), rows, writers)));
            // the full-text projection's own sink, on the same records (its own group, as the processors run it)
            fresh(jdbi, ownTables, topic);
            if (!ownTables) {
                jdbi.useHandle(h -> h.execute("DELETE FROM memory_search WHERE tenant_id = ?", sinkTenant));
            }
            searchRuns.add(measure(() -> mnemoSink(jdbi, bootstrap, registry, topic, sinkGroup + "-search",
                    new MemorySearchProjectionWriter(userKeys), rows, SEARCH_WRITERS)));
            fresh(jdbi, ownTables, topic);
            String rawTenant = "bench-raw-" + runId + suffix;
            cleanup.add(rawTenant);
            List<MemoryChanged> rawChanges = generate(rawTenant, rows, 7);
            rawRuns.add(measure(() -> rawUpsert(jdbi, rawChanges, writers, RAW_UPSERT)));
            fresh(jdbi, ownTables, topic);
            String rawLocatorTenant = "bench-rawloc-" + runId + suffix;
            cleanup.add(rawLocatorTenant);
            List<MemoryChanged> rawLocatorChanges = generate(rawLocatorTenant, rows, 7);
            rawLocatorRuns.add(measure(() -> rawUpsert(jdbi, rawLocatorChanges, writers, RAW_UPSERT_WITH_LOCATOR)));
            fresh(jdbi, ownTables, topic);
            String copyTenant = "bench-copy-" + runId + suffix;
            cleanup.add(copyTenant);
            List<MemoryChanged> copyChanges = generate(copyTenant, rows, 7);
            copyRuns.add(measure(() -> copy(jdbi, copyChanges)));
            System.out.printf("round %d: sink %,.0f rows/s, search sink %,.0f rows/s, raw upsert %,.0f rows/s, "
                            + "raw upsert with locator %,.0f rows/s, COPY %,.0f rows/s%n", round,
                    sinkRuns.get(round - 1).rate(), searchRuns.get(round - 1).rate(), rawRuns.get(round - 1).rate(),
                    rawLocatorRuns.get(round - 1).rate(), copyRuns.get(round - 1).rate());
        }
        fresh(jdbi, ownTables, topic);
        Measured debeziumRun = measure(() -> DebeziumJdbcSinkPeer.run(env, jdbi, generate("bench-dbz-" + runId, rows,
                7), runId, BATCH));
        Measured sink = median(sinkRuns);
        Measured raw = median(rawRuns);
        Measured rawLocator = median(rawLocatorRuns);
        Measured copy = median(copyRuns);
        Measured search = median(searchRuns);
        double debezium = debeziumRun.rate();
        BenchResults table = new BenchResults("sink", List.of("run", "rows", "rows/s (median of rounds)",
                "vs raw upsert", "vs COPY", "vs Debezium", "CPU µs per row by process"));
        table.row("Mnemo memories sink (Kafka → version guard + memory_locator + watermarks + offsets, " + writers
                + " writer(s))", rows, sink.rate(), sink.rate() / raw.rate(), sink.rate() / copy.rate(),
                sink.rate() / debezium, sink.cpu());
        table.row("Mnemo search sink (Kafka → memory_search: to_tsvector + GIN, version guard, watermarks, offsets; "
                + SEARCH_WRITERS + " writer)", rows, search.rate(), search.rate() / raw.rate(),
                search.rate() / copy.rate(), search.rate() / debezium, search.cpu());
        table.row("baseline: raw unnest upsert, " + BATCH + " rows/transaction, " + writers + " thread(s)", rows,
                raw.rate(), 1.0, raw.rate() / copy.rate(), raw.rate() / debezium, raw.cpu());
        table.row("baseline: raw unnest upsert into memories AND memory_locator (the sink's two tables), " + BATCH
                        + " rows/transaction, " + writers + " thread(s)", rows, rawLocator.rate(),
                rawLocator.rate() / raw.rate(), rawLocator.rate() / copy.rate(), rawLocator.rate() / debezium,
                rawLocator.cpu());
        table.row("baseline: COPY FROM STDIN, " + BATCH + " rows/transaction, 1 thread (no upsert, no guard)", rows,
                copy.rate(), copy.rate() / raw.rate(), 1.0, copy.rate() / debezium, copy.cpu());
        table.row("peer: Debezium JDBC sink 3.6.0 on Kafka Connect 4.3.1 standalone (JSON, upsert, batch " + BATCH
                + ", 1 task)", rows, debezium, debezium / raw.rate(), debezium / copy.rate(), 1.0, debeziumRun.cpu());
        table.put("rounds", rounds + " (contenders alternate; each row is the median round; Debezium once)");
        table.put("sink rounds rows/s", sinkRuns.stream().map(m -> Math.round(m.rate())).toList());
        table.put("search sink rounds rows/s", searchRuns.stream().map(m -> Math.round(m.rate())).toList());
        table.put("raw upsert rounds rows/s", rawRuns.stream().map(m -> Math.round(m.rate())).toList());
        table.put("raw upsert with locator rounds rows/s",
                rawLocatorRuns.stream().map(m -> Math.round(m.rate())).toList());
        table.put("sink vs raw upsert with locator", sink.rate() / rawLocator.rate());
        table.put("table", (ownTables ? "emptied (TRUNCATE) before every contender; " : "the live table, a tenant per "
                + "contender; ") + (withoutGin ? "WITHOUT the tags GIN index (experiment); " : "") + "the memories table "
                + "with its indexes (primary key, tags GIN; full text is memory_search's since V13, written by the "
                + "search sink), existing months; Debezium writes a table LIKE memories (same columns and indexes, "
                + "not partitioned)");
        table.put("cpu", "CPU µs per row: user + system time of each kind of process over the run (/proc/<pid>/stat;"
                + " Postgres includes its exited backends), divided by the rows; the Mnemo sink runs in the bench JVM");
        jdbi.useHandle(h -> {
            for (String tenant : cleanup) {
                h.execute("DELETE FROM memories WHERE tenant_id = ?", tenant);
                h.execute("DELETE FROM memory_locator WHERE tenant_id = ?", tenant);
                h.execute("DELETE FROM memory_search WHERE tenant_id = ?", tenant);
            }
            h.execute("DELETE FROM projection_offsets WHERE topic = ?", topic);
        });
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.deleteTopics(List.of(topic)).all().get();
        }
        pool.close();
        table.write(resultsDir);
        return table;
    }

    /** A contender's rows/s and CPU µs per row by kind of process. */
    record Measured(double rate, Map<String, Long> cpu) {
    }

    @FunctionalInterface
    interface Rate {
        double run() throws Exception;
    }

    static Measured measure(Rate contender) throws Exception {
        Map<String, Long> before = BenchResults.cpuMicrosByKind();
        long started = System.nanoTime();
        double rate = contender.run();
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<String, Long> after = BenchResults.cpuMicrosByKind();
        return new Measured(rate, BenchResults.cpuMicrosPerOp(before, after, Math.round(rate * seconds)));
    }

    static Measured median(List<Measured> runs) {
        List<Measured> sorted = new ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingDouble(Measured::rate));
        return sorted.get(sorted.size() / 2);
    }

    /** Empties the projection's tables when they are the bench's own, and waits for the checkpoint to settle. */
    private static void fresh(Jdbi jdbi, boolean ownTables, String topic) {
        if (ownTables) {
            jdbi.useHandle(h -> {
                h.execute("TRUNCATE memories, memory_locator, memory_search");
                h.execute("CHECKPOINT");
            });
        }
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

    /** The same changes with content, tags and attributes sealed under their users' keys (made here). */
    static List<MemoryChanged> sealed(List<MemoryChanged> changes, UserKeyStore userKeys) {
        Map<String, DataKey> keys = new java.util.HashMap<>();
        List<MemoryChanged> sealed = new ArrayList<>(changes.size());
        for (MemoryChanged change : changes) {
            DataKey key = keys.computeIfAbsent(change.getUserId(), user -> ((UserKeyStore.Active) userKeys
                    .keyForWriting(new UserRef(change.getTenantId(), user))).key());
            MemorySeal seal = MemorySeal.of(key, change.getTenantId(), change.getUserId(), change.getMemoryId());
            // in place: the generated builders' deep copy refuses enum classes Avro does not trust
            MemoryState state = change.getState();
            state.setSealedContent(seal.content(state.getContent()));
            state.setSealedTags(seal.tags(state.getTags()));
            state.setSealedAttributes(seal.attributes(state.getAttributes()));
            state.setContent("");
            state.setTags(List.of());
            state.setAttributes(Map.of());
            sealed.add(change);
        }
        return sealed;
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
                                    String group, ProjectionWriter<SpecificRecord> writer, int rows, int writers)
            throws Exception {
        // The platform's shape: `writers` consumers of one group, each writing its partitions on its own thread
        List<PostgresProjectionSink<SpecificRecord>> sinks = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            var consumer = new KafkaConsumer<String, SpecificRecord>(Map.<String, Object>of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, group,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, BATCH),
                    new StringDeserializer(), new ConfluentAvroDeserializer(registry));
            sinks.add(new PostgresProjectionSink<>(consumer, topic, jdbi, writer, Duration.ofMillis(100),
                    Duration.ofSeconds(5), null, "-" + (i + 1)));
        }
        // every writer joined before any record is read: the group's assignment is not throughput
        sinks.forEach(PostgresProjectionSink::start);
        long start;
        long firstWritten;
        long end;
        try {
            long joinDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (written(sinks) == 0) {
                if (System.nanoTime() > joinDeadline) {
                    throw new IllegalStateException("the sink wrote nothing in 5 minutes");
                }
                TimeUnit.MILLISECONDS.sleep(1);
            }
            start = System.nanoTime();
            firstWritten = written(sinks);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            while (written(sinks) < rows) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the sink wrote " + written(sinks) + " of " + rows
                            + " records in 30 minutes");
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
            end = System.nanoTime();
        } finally {
            for (PostgresProjectionSink<SpecificRecord> sink : sinks) {
                sink.stop();
            }
        }
        return (rows - firstWritten) / ((end - start) / 1e9);
    }

    private static long written(List<PostgresProjectionSink<SpecificRecord>> sinks) {
        return sinks.stream().mapToLong(PostgresProjectionSink::writtenRecords).sum();
    }

    /** The same rows split by user into {@code threads} disjoint shares (as Kafka partitions split them). */
    private static double rawUpsert(Jdbi jdbi, List<MemoryChanged> changes, int threads, String statement)
            throws Exception {
        List<List<MemoryChanged>> shares = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            shares.add(new ArrayList<>());
        }
        for (MemoryChanged change : changes) {
            shares.get(Math.floorMod(change.getUserId().hashCode(), threads)).add(change);
        }
        var executor = java.util.concurrent.Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (List<MemoryChanged> share : shares) {
                done.add(executor.submit(() -> {
                    rawUpsert(jdbi, share, statement);
                    return null;
                }));
            }
            for (var future : done) {
                future.get();
            }
        } finally {
            executor.shutdown();
        }
        return changes.size() / ((System.nanoTime() - start) / 1e9);
    }

    private static void rawUpsert(Jdbi jdbi, List<MemoryChanged> changes, String statement) {
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
            jdbi.useTransaction(h -> h.createUpdate(statement)
                    .bind("tenants", tenants).bind("users", users).bind("occurredAts", occurredAts)
                    .bind("ids", ids).bind("recordedAts", recordedAts).bind("contents", contents)
                    .bind("versions", versions).bind("offsets", offsets).execute());
        }
    }
}
