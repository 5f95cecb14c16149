package io.mnemo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mnemo.devstack.KafkaTools;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Ingest throughput and latency against a running platform: single POSTs and batches over HTTP, closed loop (N
 * clients, each sending its next request when the last is answered) and open loop (requests on a fixed schedule
 * at half the closed-loop maximum, latency from the scheduled time, so a slow answer cannot hide the queueing it
 * causes), HdrHistogram percentiles — next to the baseline of Kafka's own {@code ProducerPerformance} writing
 * records of the same size, with ingest's producer settings (acks=all, idempotence, lz4, linger 5 ms), to a topic
 * with the same partitions and configuration as {@code mnemo.memory-events.v1}. The ratio is HTTP memories/s over
 * ProducerPerformance records/s.
 */
public final class IngestBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PRODUCER_PERFORMANCE = Pattern.compile("(\\d+) records sent, ([\\d.]+) records/sec "
            + "\\(([\\d.]+) MB/sec\\), ([\\d.]+) ms avg latency, ([\\d.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms "
            + "95th, (\\d+) ms 99th");

    public static void main(String[] args) throws Exception {
        BenchEnvironment env = BenchEnvironment.fromEnvFile(Path.of(args.length > 0 ? args[0] : ".mnemo/dev-env.json"));
        int seconds = Integer.parseInt(System.getProperty("bench.seconds", "20"));
        int clients = Integer.parseInt(System.getProperty("bench.clients", "16"));
        run(env, seconds, clients, Path.of(System.getProperty("bench.results", "bench/results")));
    }

    /** One run's figures. */
    record Run(String name, double memoriesPerSecond, Histogram latencyMicros, long errors) {
    }

    static BenchResults run(BenchEnvironment env, int seconds, int clients, Path resultsDir) throws Exception {
        env = env.withUnthrottledKey("bench-ingest");
        String runId = UUID.randomUUID().toString().substring(0, 8);
        System.out.printf("Ingest benchmark on %s, %d s per run, %d closed-loop clients, 300-byte content%n",
                env.ingestUrl(), seconds, clients);
        List<Run> runs = new ArrayList<>();
        Run single = closedLoop(env, seconds, clients, 1, runId);
        runs.add(single);
        Run hundred = closedLoop(env, seconds, Math.max(1, clients / 4), 100, runId);
        runs.add(hundred);
        runs.add(closedLoop(env, seconds, Math.max(1, clients / 4), 500, runId));
        runs.add(openLoop(env, seconds, 1, Math.max(1, (int) (single.memoriesPerSecond() / 2)), runId));
        runs.add(openLoop(env, seconds, 100, Math.max(100, (int) (hundred.memoriesPerSecond() / 2)), runId));

        int recordSize = eventSize(env);
        long records = (long) Math.min(3_000_000, Math.max(10_000,
                runs.stream().mapToDouble(Run::memoriesPerSecond).max().orElse(10_000) * seconds * 2));
        Matcher baseline = producerPerformance(env, runId, records, recordSize);
        double baselineRate = Double.parseDouble(baseline.group(2));

        BenchResults table = new BenchResults("ingest", List.of("run", "memories/s", "p50 ms", "p95 ms", "p99 ms",
                "errors", "vs ProducerPerformance"));
        for (Run run : runs) {
            table.row(run.name(), run.memoriesPerSecond(), ms(run.latencyMicros(), 50), ms(run.latencyMicros(), 95),
                    ms(run.latencyMicros(), 99), run.errors(), run.memoriesPerSecond() / baselineRate);
        }
        table.row("baseline: Kafka ProducerPerformance, " + recordSize + "-byte records, acks=all, idempotent, lz4, "
                        + "linger 5 ms (per-record latency)", baselineRate, Double.parseDouble(baseline.group(6)),
                Double.parseDouble(baseline.group(7)), Double.parseDouble(baseline.group(8)), 0L, 1.0);
        table.put("latency", "per HTTP request (a batch is one request); open loop measured from the scheduled send");
        table.write(resultsDir);
        return table;
    }

    private static double ms(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    /** Size of one event as ingest writes it (Confluent wire format, Avro, 300-byte content). */
    private static int eventSize(BenchEnvironment env) {
        MemoryCaptured event = MemoryCaptured.newBuilder().setEventId(UUID.randomUUID()).setTenantId("bench")
                .setUserId("bench-user-1").setRecordedAt(Instant.now()).setMemoryId(UUID.randomUUID())
                .setOccurredAt(Instant.now()).setContent(content(1)).setTags(List.of("bench")).setAttributes(Map.of())
                .setMediaIds(List.of()).build();
        try (var serializer = new ConfluentAvroSerializer(new HttpSchemaRegistryClient(env.schemaRegistryUrl()), true)) {
            return serializer.serialize(Topics.MEMORY_EVENTS.name(), event).length;
        }
    }

    /** ProducerPerformance in a child JVM against a fresh topic configured like the event log. */
    private static Matcher producerPerformance(BenchEnvironment env, String runId, long records, int recordSize)
            throws Exception {
        String topic = "bench-ingest-" + runId;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrap()))) {
            var events = admin.describeTopics(List.of(Topics.MEMORY_EVENTS.name())).allTopicNames().get()
                    .get(Topics.MEMORY_EVENTS.name());
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, Topics.MEMORY_EVENTS.name());
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            Map<String, String> overrides = new java.util.HashMap<>();
            config.entries().stream().filter(e -> e.source() == org.apache.kafka.clients.admin.ConfigEntry.ConfigSource
                    .DYNAMIC_TOPIC_CONFIG).forEach(e -> overrides.put(e.name(), e.value()));
            SinkBench.createTopic(env.kafkaBootstrap(), topic, events.partitions().size(),
                    (short) events.partitions().get(0).replicas().size(), overrides);
        }
        try {
            String output = KafkaTools.run("org.apache.kafka.tools.ProducerPerformance", List.of("--topic", topic,
                    "--num-records", Long.toString(records), "--record-size", Integer.toString(recordSize),
                    "--throughput", "-1", "--producer-props", "bootstrap.servers=" + env.kafkaBootstrap(), "acks=all",
                    "enable.idempotence=true", "compression.type=lz4", "linger.ms=5"), 600);
            Matcher last = null;
            for (String line : output.split("\n")) {
                Matcher m = PRODUCER_PERFORMANCE.matcher(line);
                if (m.find()) {
                    last = m;
                }
            }
            if (last == null) {
                throw new IllegalStateException("no summary from ProducerPerformance:\n" + output);
            }
            System.out.println("  ProducerPerformance: " + last.group(0));
            return last;
        } finally {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrap()))) {
                admin.deleteTopics(List.of(topic)).all().get();
            }
        }
    }

    private static String content(long i) {
        String base = "Benchmark memory " + i + " ";
        return base + "x".repeat(300 - base.length());
    }

    /** HTTP/1.1 (the JDK client's h2c upgrade attempts triple latency); daemon threads, so the JVM can exit. */
    static HttpClient http() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newFixedThreadPool(4,
                runnable -> {
                    Thread thread = new Thread(runnable, "bench-http");
                    thread.setDaemon(true);
                    return thread;
                })).build();
    }

    /** Closed-loop HTTP clients posting single memories (batch = 1) or batches of {@code batch} memories. */
    static Run closedLoop(BenchEnvironment env, int seconds, int clients, int batch, String runId) throws Exception {
        HttpClient http = http();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        Histogram latency = new ConcurrentHistogram(60_000_000L, 3);
        AtomicLong memories = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        long started = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                long seq = 0;
                while (System.nanoTime() < end) {
                    HttpRequest request = request(env, runId + "-closed", client, seq, batch);
                    seq += batch;
                    long sent = System.nanoTime();
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    latency.recordValue(Math.min((System.nanoTime() - sent) / 1000, 60_000_000L));
                    if (response.statusCode() == 202) {
                        memories.addAndGet(batch);
                    } else {
                        errors.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        pool.shutdownNow();
        double elapsed = (System.nanoTime() - started) / 1e9;
        Run run = new Run(name(batch) + ", closed loop, " + clients + " clients", memories.get() / elapsed, latency,
                errors.get());
        System.out.printf("  %s: %,.0f memories/s%n", run.name(), run.memoriesPerSecond());
        return run;
    }

    /** Requests on a fixed schedule: {@code memoriesPerSecond / batch} per second whatever the answers take. */
    static Run openLoop(BenchEnvironment env, int seconds, int batch, int memoriesPerSecond, String runId)
            throws Exception {
        HttpClient http = http();
        Histogram latency = new ConcurrentHistogram(60_000_000L, 3);
        AtomicLong memories = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        double intervalNanos = 1e9 * batch / memoriesPerSecond;
        long requests = (long) memoriesPerSecond * seconds / batch;
        long started = System.nanoTime();
        long skipped = OpenLoop.run(requests, intervalNanos, 512, (i, scheduled) -> http.sendAsync(
                request(env, runId + "-open", (int) (i % 64), i * batch, batch), HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, e) -> {
                    latency.recordValue(Math.min((System.nanoTime() - scheduled) / 1000, 60_000_000L));
                    if (e == null && response.statusCode() == 202) {
                        memories.addAndGet(batch);
                    } else {
                        errors.incrementAndGet();
                    }
                }));
        errors.addAndGet(skipped);
        double elapsed = (System.nanoTime() - started) / 1e9;
        Run run = new Run(name(batch) + ", open loop at " + String.format("%,d", memoriesPerSecond) + " memories/s",
                memories.get() / elapsed, latency, errors.get());
        System.out.printf("  %s: %,.0f memories/s%n", run.name(), run.memoriesPerSecond());
        return run;
    }

    private static String name(int batch) {
        return batch == 1 ? "HTTP POST /memories, 1 per request" : "HTTP POST /memories:batch, " + batch
                + " per request";
    }

    private static HttpRequest request(BenchEnvironment env, String runId, int client, long seq, int batch) {
        if (batch == 1) {
            String user = "bench-" + runId + "-c" + client;
            ObjectNode body = JSON.createObjectNode().put("occurredAt", Instant.now().toString())
                    .put("content", content(seq));
            body.putArray("tags").add("bench");
            return HttpRequest.newBuilder(URI.create(env.ingestUrl() + "/v1/users/" + user + "/memories"))
                    .header("Authorization", "Bearer " + env.apiKey()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        }
        ArrayNode items = JSON.createArrayNode();
        for (int i = 0; i < batch; i++) {
            ObjectNode item = items.addObject().put("userId", "bench-" + runId + "-c" + client + "-" + (i % 50))
                    .put("occurredAt", Instant.now().toString()).put("content", content(seq + i));
            item.putArray("tags").add("bench");
        }
        return HttpRequest.newBuilder(URI.create(env.ingestUrl() + "/v1/memories:batch"))
                .header("Authorization", "Bearer " + env.apiKey()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().set("items", items).toString()))
                .build();
    }
}
