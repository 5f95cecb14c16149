package io.mnemo.bench;

import io.mnemo.kit.kafka.LogReaders;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackOptions;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.processors.db.ProjectionOffsets;
import io.mnemo.processors.rebuild.MemoriesRebuild;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;

/**
 * Rebuild speed on a stack of its own (an ephemeral devstack: Kafka broker, Postgres primary + replica): N memory
 * changes (seeded: 10,000 users, a year of occurredAt, 300-byte content, two tags, one attribute; one memory in
 * twenty revised) on {@code mnemo.memory-changes.v1}; then
 * <ol>
 *   <li>the baseline — a raw consumer and raw {@code unnest} upserts into memories and memory_locator with the
 *       offsets in the same transaction, secondary indexes dropped during the load and built afterwards (the
 *       fastest honest way to load the table from the log); this also gives the live table and live position
 *       that a rebuild copies;</li>
 *   <li>{@code mnemo rebuild}'s engine from offset 0: build, indexes, fence, verify (checksums against the live
 *       table), swap.</li>
 * </ol>
 * Run: {@code ./bench/run-rebuild-bench [-Dbench.events=1000000]}.
 */
public final class RebuildBench {
    private static final String TOPIC = Topics.MEMORY_CHANGES.name();
    private static final int BATCH = 5_000;

    static final String RAW_MEMORIES = """
            INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, tags, attributes,
                                  media_ids, version, source_partition, source_offset)
            SELECT t.tenant_id, t.user_id, t.occurred_at::timestamptz, t.memory_id, t.recorded_at::timestamptz, t.content,
                   t.tags::text[],
                   t.attributes::jsonb, '{}', t.version, t.source_partition, t.source_offset
            FROM unnest(:tenants, :users, :occurredAts, :ids, :recordedAts, :contents, :tags, :attributes, :versions,
                        :partitions, :offsets)
                 AS t(tenant_id, user_id, occurred_at, memory_id, recorded_at, content, tags, attributes, version,
                      source_partition, source_offset)
            ON CONFLICT (tenant_id, user_id, occurred_at, memory_id) DO UPDATE SET
                recorded_at = EXCLUDED.recorded_at, content = EXCLUDED.content, tags = EXCLUDED.tags,
                attributes = EXCLUDED.attributes, version = EXCLUDED.version,
                source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset
            WHERE memories.version < EXCLUDED.version
            """;

    static final String RAW_LOCATORS = """
            INSERT INTO memory_locator (tenant_id, user_id, memory_id, occurred_at, version, deleted)
            SELECT t.tenant_id, t.user_id, t.memory_id, t.occurred_at::timestamptz, t.version, false
            FROM unnest(:tenants, :users, :ids, :occurredAts, :versions) AS t(tenant_id, user_id, memory_id, occurred_at, version)
            ON CONFLICT (tenant_id, user_id, memory_id) DO UPDATE SET version = EXCLUDED.version
            WHERE memory_locator.version < EXCLUDED.version
            """;

    public static void main(String[] args) throws Exception {
        int events = Integer.parseInt(System.getProperty("bench.events", "1000000"));
        Path results = Path.of(System.getProperty("bench.results", "bench/results"));
        System.out.printf("Rebuild benchmark: %,d memory changes; starting a devstack of its own…%n", events);
        try (Devstack devstack = Devstack.start(DevstackOptions.ephemeral())) {
            run(devstack, events, results);
        }
    }

    static BenchResults run(Devstack devstack, int events, Path resultsDir) throws Exception {
        var pg = devstack.primary();
        String password = pg.password() == null ? "" : pg.password();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), password);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()))) {
            new TopicProvisioner(admin).ensure(Topics.all(), 12, (short) 1, Duration.ofSeconds(60));
        }
        var registry = new HttpSchemaRegistryClient(devstack.schemaRegistryUrl());
        Jdbi jdbi = Jdbi.create(pg.jdbcUrl(), pg.user(), password).installPlugin(new PostgresPlugin());

        long produceStarted = System.nanoTime();
        int records = produce(devstack.kafkaBootstrap(), registry, events);
        double produceSeconds = seconds(produceStarted);
        System.out.printf("Produced %,d records in %.1f s%n", records, produceSeconds);

        // baseline: raw consumer + raw upsert, indexes built after the load
        List<String> secondary = jdbi.withHandle(h -> h.createQuery("""
                        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
                        WHERE i.indrelid IN ('public.memories'::regclass, 'public.memory_locator'::regclass)
                          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""")
                .mapTo(String.class).list());
        List<String> names = secondary.stream().map(d -> d.replaceFirst("^CREATE INDEX (\\S+) .*$", "$1")).toList();
        jdbi.useHandle(h -> names.forEach(n -> h.execute("DROP INDEX " + n)));
        long rawStarted = System.nanoTime();
        long rawRecords = rawLoad(jdbi, devstack.kafkaBootstrap(), registry);
        double rawLoadSeconds = seconds(rawStarted);
        long indexStarted = System.nanoTime();
        jdbi.useHandle(h -> {
            h.execute("SET maintenance_work_mem = '256MB'");
            secondary.forEach(d -> h.execute(d.replace(" ON ONLY ", " ON ")));
        });
        double rawIndexSeconds = seconds(indexStarted);
        double rawSeconds = seconds(rawStarted);
        long rows = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM memories").mapTo(Long.class).one());
        System.out.printf("Raw load: %,d records in %.1f s + indexes %.1f s; %,d rows%n", rawRecords, rawLoadSeconds,
                rawIndexSeconds, rows);

        Map<String, Double> phases = new LinkedHashMap<>();
        long[] phaseStarted = {System.nanoTime()};
        String[] phase = {"start"};
        MemoriesRebuild rebuild = new MemoriesRebuild(pg.jdbcUrl(), pg.user(), password,
                () -> consumer(devstack.kafkaBootstrap(), registry, null), Clock.systemUTC(),
                new MemoriesRebuild.Progress() {
                    @Override
                    public void phase(String name, String detail) {
                        phases.merge(phase[0], seconds(phaseStarted[0]), Double::sum);
                        phase[0] = name;
                        phaseStarted[0] = System.nanoTime();
                        System.out.printf("[%s] %s%n", name, detail);
                    }

                    @Override
                    public void records(long done, long total) {
                        System.out.printf("  %,d / %,d records%n", done, total);
                    }
                });
        long rebuildStarted = System.nanoTime();
        MemoriesRebuild.Report report = rebuild.run(MemoriesRebuild.Options.defaults());
        double rebuildSeconds = seconds(rebuildStarted);
        phases.merge(phase[0], seconds(phaseStarted[0]), Double::sum);
        if (!report.swapped()) {
            throw new IllegalStateException("rebuild did not swap: " + report.failure());
        }

        BenchResults table = new BenchResults("rebuild", List.of("run", "events", "seconds", "events/s", "vs raw"));
        double rawRate = rawRecords / rawSeconds;
        table.row("baseline: raw consumer + unnest upsert (rows, locators, offsets per 5,000), then indexes",
                rawRecords, rawSeconds, rawRate, 1.0);
        table.row("mnemo rebuild: build from offset 0 + indexes + fence + verify + swap", report.recordsApplied(),
                rebuildSeconds, report.recordsApplied() / rebuildSeconds,
                (report.recordsApplied() / rebuildSeconds) / rawRate);
        table.row("mnemo rebuild: applying records only (sink writer, PK only)", report.recordsApplied(),
                report.buildSeconds(), report.recordsPerSecond(), report.recordsPerSecond() / (rawRecords / rawLoadSeconds));
        table.put("memories in the table", rows);
        table.put("raw load seconds / index seconds", String.format("%.1f / %.1f", rawLoadSeconds, rawIndexSeconds));
        table.put("rebuild phases (s)", phases.toString());
        table.put("live writers fenced (ms) / tables swapped (ms)", report.fencedMillis() + " / " + report.swapMillis()
                + " (" + report.swapDetail() + ")");
        table.put("verification", report.tenantsDiffering().isEmpty() ? "row counts and checksums equal to the live table"
                : report.tenantsDiffering().size() + " tenant(s) differ");
        table.put("produce seconds (not measured against anything)", produceSeconds);
        table.put("last row's ratio", "build phase vs raw load phase (both without secondary indexes)");
        table.write(resultsDir);
        return table;
    }

    /** Seeded changes: one per memory, one memory in twenty revised later (a second version, same place). */
    static int produce(String bootstrap, HttpSchemaRegistryClient registry, int events) throws Exception {
        Random random = new Random(42);
        Instant base = Instant.parse("2026-11-01T00:00:00Z");
        String filler = "a memory of some length to look like real content, ".repeat(6);
        int produced = 0;
        try (var producer = new KafkaProducer<String, SpecificRecord>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 10, ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                new StringSerializer(), new ConfluentAvroSerializer(registry, true))) {
            List<MemoryChanged> revisions = new ArrayList<>();
            for (int i = 0; produced < events; i++) {
                String user = "user-" + random.nextInt(10_000);
                Instant occurredAt = base.minus(random.nextInt(365 * 24 * 60), ChronoUnit.MINUTES);
                MemoryChanged change = change("bench", user, new UUID(42, i), 1, occurredAt,
                        i + " " + filler.substring(0, 240 + random.nextInt(60)), i);
                producer.send(new ProducerRecord<>(TOPIC, "bench/" + user, change));
                produced++;
                if (i % 20 == 0) {
                    revisions.add(change("bench", user, change.getMemoryId(), 2, occurredAt, "revised " + i, i));
                }
                if (revisions.size() >= 1_000 || produced >= events) {
                    for (MemoryChanged revision : revisions) {
                        if (produced < events) {
                            producer.send(new ProducerRecord<>(TOPIC, "bench/" + revision.getUserId(), revision));
                            produced++;
                        }
                    }
                    revisions.clear();
                }
            }
            producer.flush();
        }
        return produced;
    }

    private static MemoryChanged change(String tenant, String user, UUID id, long version, Instant occurredAt,
                                        String content, long n) {
        return MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId(user)
                .setMemoryId(id).setVersion(version).setKind(MemoryChangeKind.UPSERTED)
                .setState(MemoryState.newBuilder().setOccurredAt(occurredAt).setRecordedAt(occurredAt.plusSeconds(5))
                        .setContent(content).setTags(List.of("tag" + (n % 50), "bench"))
                        .setAttributes(Map.of("mood", "m" + (n % 7))).setMediaIds(List.of()).setMedia(List.of())
                        .build())
                // source positions outside the event log's partitions: these changes have no event, and must not move the
                // read-your-writes watermarks of real partitions where a stack is shared (the smoke test)
                .setSourcePartition(1000 + (int) (n % 12)).setSourceOffset(n * 2 + version).build();
    }

    static KafkaConsumer<String, SpecificRecord> consumer(String bootstrap, HttpSchemaRegistryClient registry,
                                                          String clientId) {
        return LogReaders.avro(bootstrap, registry.url(), clientId == null ? "bench-rebuild" : clientId, BATCH,
                LogReaders.BULK_FETCH);
    }

    /** The raw loop: poll, keep each memory's newest change of the batch, two unnest upserts and the offsets. */
    static long rawLoad(Jdbi jdbi, String bootstrap, HttpSchemaRegistryClient registry) {
        long applied = 0;
        try (var consumer = consumer(bootstrap, registry, "bench-raw"); Handle handle = jdbi.open()) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC).stream()
                    .map(p -> new TopicPartition(TOPIC, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            end.values().removeIf(v -> v == 0);
            // months exist before the load, as the sink's MemoryPartitions makes sure
            handle.execute("SELECT mnemo_ensure_memories_month((DATE '2026-11-01' - make_interval(months => m))::date, 8) "
                    + "FROM generate_series(0, 12) m");
            while (!end.isEmpty()) {
                List<ConsumerRecord<String, SpecificRecord>> batch = new ArrayList<>();
                consumer.poll(Duration.ofMillis(200)).forEach(batch::add);
                end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                if (batch.isEmpty()) {
                    continue;
                }
                Map<String, MemoryChanged> newest = new LinkedHashMap<>();
                Map<Integer, Long> next = new TreeMap<>();
                for (ConsumerRecord<String, SpecificRecord> record : batch) {
                    MemoryChanged c = (MemoryChanged) record.value();
                    newest.merge(c.getTenantId() + "/" + c.getUserId() + "/" + c.getMemoryId(), c,
                            (a, b) -> b.getVersion() >= a.getVersion() ? b : a);
                    next.merge(record.partition(), record.offset() + 1, Math::max);
                }
                int n = newest.size();
                String[] tenants = new String[n];
                String[] users = new String[n];
                String[] occurred = new String[n];
                UUID[] ids = new UUID[n];
                String[] recorded = new String[n];
                String[] contents = new String[n];
                String[] tags = new String[n];
                String[] attributes = new String[n];
                Long[] versions = new Long[n];
                Integer[] sourcePartitions = new Integer[n];
                Long[] sourceOffsets = new Long[n];
                int i = 0;
                for (MemoryChanged c : newest.values()) {
                    MemoryState s = c.getState();
                    tenants[i] = c.getTenantId();
                    users[i] = c.getUserId();
                    occurred[i] = s.getOccurredAt().toString();
                    ids[i] = c.getMemoryId();
                    recorded[i] = s.getRecordedAt().toString();
                    contents[i] = s.getContent();
                    tags[i] = "{" + String.join(",", s.getTags()) + "}";
                    StringBuilder json = new StringBuilder("{");
                    s.getAttributes().forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"')
                            .append(k).append("\":\"").append(v).append('"'));
                    attributes[i] = json.append('}').toString();
                    versions[i] = c.getVersion();
                    sourcePartitions[i] = c.getSourcePartition();
                    sourceOffsets[i] = c.getSourceOffset();
                    i++;
                }
                handle.useTransaction(tx -> {
                    tx.createUpdate(RAW_MEMORIES).bind("tenants", tenants).bind("users", users)
                            .bind("occurredAts", occurred).bind("ids", ids).bind("recordedAts", recorded)
                            .bind("contents", contents).bind("tags", tags).bind("attributes", attributes)
                            .bind("versions", versions).bind("partitions", sourcePartitions)
                            .bind("offsets", sourceOffsets).execute();
                    tx.createUpdate(RAW_LOCATORS).bind("tenants", tenants).bind("users", users).bind("ids", ids)
                            .bind("occurredAts", occurred).bind("versions", versions).execute();
                    ProjectionOffsets.advance(tx, MemoriesRebuild.PROJECTION, TOPIC, next);
                });
                applied += batch.size();
            }
        }
        return applied;
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }
}
