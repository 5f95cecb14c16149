package io.mnemo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Ingest throughput against a running {@code ./mnemo dev} (found through {@code .mnemo/dev-env.json}):
 * single POSTs and batches over HTTP, each next to the baseline of the same broker taking the same Avro
 * events straight from a Kafka producer with the same durability settings (acks=all, idempotence, lz4).
 * Prints memories/s and latency percentiles; bounded in time and count.
 */
public final class IngestBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Path envFile = Path.of(args.length > 0 ? args[0] : ".mnemo/dev-env.json");
        int seconds = Integer.parseInt(System.getProperty("bench.seconds", "20"));
        int clients = Integer.parseInt(System.getProperty("bench.clients", "16"));
        JsonNode env = JSON.readTree(Files.readString(envFile));
        String ingest = env.get("ingestUrl").asText();
        String apiKey = System.getProperty("bench.apiKey", env.get("apiKey").asText());
        String runId = UUID.randomUUID().toString().substring(0, 8);

        System.out.printf("Ingest benchmark on %s (%d cores), %d s per run, %d concurrent HTTP clients, 300-byte content%n",
                ingest, Runtime.getRuntime().availableProcessors(), seconds, clients);
        List<String> rows = new ArrayList<>();
        // HTTP runs first, the baseline last: every run leaves events for the stream processors, which share
        // the machine, and the baseline leaves by far the most.
        rows.add(http(ingest, apiKey, seconds, clients, 1, runId));
        rows.add(http(ingest, apiKey, seconds, Math.max(1, clients / 4), 100, runId));
        rows.add(http(ingest, apiKey, seconds, Math.max(1, clients / 4), 500, runId));
        rows.add(baseline(env, seconds, runId));
        System.out.println();
        System.out.printf("%-44s %12s %10s %10s %10s%n", "run", "memories/s", "p50 ms", "p99 ms", "errors");
        rows.forEach(System.out::println);
    }

    private static String content(long i) {
        String base = "Benchmark memory " + i + " ";
        return base + "x".repeat(300 - base.length());
    }

    /** The broker's own ceiling for these events: a producer with ingest's durability settings, no HTTP. */
    private static String baseline(JsonNode env, int seconds, String runId) throws Exception {
        var registry = new HttpSchemaRegistryClient(env.get("schemaRegistryUrl").asText());
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.get("kafkaBootstrap").asText(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.LINGER_MS_CONFIG, 5);
        long[] latencies = new long[2_000_000];
        AtomicLong count = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        Semaphore window = new Semaphore(20_000);
        try (var producer = new KafkaProducer<String, SpecificRecord>(props, new StringSerializer(),
                new ConfluentAvroSerializer(registry, true))) {
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            long started = System.nanoTime();
            long i = 0;
            while (System.nanoTime() < end && i < latencies.length) {
                window.acquire();
                long sent = System.nanoTime();
                long index = i++;
                String user = "bench-" + runId + "-" + (index % 1000);
                MemoryCaptured event = MemoryCaptured.newBuilder().setEventId(UUID.randomUUID()).setTenantId("bench")
                        .setUserId(user).setRecordedAt(Instant.now()).setMemoryId(UUID.randomUUID())
                        .setOccurredAt(Instant.now()).setContent(content(index)).setTags(List.of("bench"))
                        .setAttributes(Map.of()).setMediaIds(List.of()).build();
                producer.send(new ProducerRecord<>(Topics.MEMORY_EVENTS.name(), "bench/" + user, event), (m, e) -> {
                    if (e != null) {
                        errors.incrementAndGet();
                    } else {
                        latencies[(int) index] = System.nanoTime() - sent;
                        count.incrementAndGet();
                    }
                    window.release();
                });
            }
            producer.flush();
            double elapsed = (System.nanoTime() - started) / 1e9;
            return row("baseline: Kafka producer, acks=all (no HTTP)", count.get() / elapsed,
                    Arrays.copyOf(latencies, (int) i), errors.get());
        }
    }

    /** Closed-loop HTTP clients posting single memories (batch = 1) or batches of {@code batch} memories. */
    private static String http(String ingest, String apiKey, int seconds, int clients, int batch, String runId)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(4)).build();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicLong memories = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<long[]> perClient = new ArrayList<>();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        long started = System.nanoTime();
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                long[] latencies = new long[1_000_000];
                int n = 0;
                long seq = 0;
                while (System.nanoTime() < end && n < latencies.length) {
                    HttpRequest request = batch == 1 ? single(ingest, apiKey, runId, client, seq++)
                            : batch(ingest, apiKey, runId, client, seq, batch);
                    seq += batch == 1 ? 0 : batch;
                    long sent = System.nanoTime();
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    latencies[n++] = System.nanoTime() - sent;
                    if (response.statusCode() == 202) {
                        memories.addAndGet(batch);
                    } else {
                        errors.incrementAndGet();
                    }
                }
                return Arrays.copyOf(latencies, n);
            }));
        }
        for (Future<long[]> future : futures) {
            perClient.add(future.get());
        }
        pool.shutdownNow();
        double elapsed = (System.nanoTime() - started) / 1e9;
        long[] all = perClient.stream().flatMapToLong(Arrays::stream).toArray();
        String name = batch == 1 ? "HTTP POST /memories, 1 per request" : "HTTP POST /memories:batch, " + batch
                + " per request";
        return row(name + " (" + clients + " clients)", memories.get() / elapsed, all, errors.get());
    }

    private static HttpRequest single(String ingest, String apiKey, String runId, int client, long seq) {
        String user = "bench-" + runId + "-c" + client;
        ObjectNode body = JSON.createObjectNode().put("occurredAt", Instant.now().toString())
                .put("content", content(seq));
        body.putArray("tags").add("bench");
        return HttpRequest.newBuilder(URI.create(ingest + "/v1/users/" + user + "/memories"))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }

    private static HttpRequest batch(String ingest, String apiKey, String runId, int client, long seq, int size) {
        ArrayNode items = JSON.createArrayNode();
        for (int i = 0; i < size; i++) {
            ObjectNode item = items.addObject().put("userId", "bench-" + runId + "-c" + client + "-" + (i % 50))
                    .put("occurredAt", Instant.now().toString()).put("content", content(seq + i));
            item.putArray("tags").add("bench");
        }
        return HttpRequest.newBuilder(URI.create(ingest + "/v1/memories:batch"))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().set("items", items).toString()))
                .build();
    }

    private static String row(String name, double perSecond, long[] latencies, long errors) {
        long[] sorted = Arrays.stream(latencies).filter(l -> l > 0).sorted().toArray();
        double p50 = sorted.length == 0 ? 0 : sorted[sorted.length / 2] / 1e6;
        double p99 = sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, sorted.length * 0.99)] / 1e6;
        return String.format("%-44s %12.0f %10.1f %10.1f %10d", name, perSecond, p50, p99, errors);
    }
}
