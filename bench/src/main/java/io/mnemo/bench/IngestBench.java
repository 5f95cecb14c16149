package io.mnemo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mnemo.devstack.KafkaTools;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.io.IOException;
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
import java.util.Optional;
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
 * Ingest throughput and latency against a running platform, beside two baselines measured in the same run:
 * <ul>
 *   <li>the <b>HTTP floor</b> ({@link io.mnemo.bench.floor.HttpFloorApplication}): the same Jetty/Dropwizard and
 *   producer settings answering a POST that only produces one record of an ingest event's size, in a child JVM
 *   with the services' heap flags. Single POSTs run against ingest and the floor alternately (ABAB), closed loop,
 *   then open loop at the same rate for both; the ratio to the floor is what Mnemo's own per-request work costs;</li>
 *   <li>Kafka's own {@code ProducerPerformance} writing records of the same size with ingest's producer settings
 *   (acks=all, idempotence, lz4, linger 5 ms).</li>
 * </ul>
 * Both baselines write to fresh topics with the partitions and configuration of {@code mnemo.memory-events.v1}
 * that nobody reads, so the processors of a separate {@code ProcessorsApplication} JVM are paused (SIGSTOP) for
 * the run and resumed after it: every side does the same work, nobody consumes. Where there are two cores or more
 * the system under test (ingest, the floor, ProducerPerformance) is pinned to {@code bench.sutCpus} and this load
 * driver to {@code bench.driverCpus} with {@code taskset}. Each row carries CPU µs per request per process, from
 * {@code /proc/<pid>/stat} before and after it. Closed loop: N clients, each sending its next request when the last
 * is answered. Open loop: requests on a fixed schedule, latency from the scheduled time (no coordinated omission).
 */
public final class IngestBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PRODUCER_PERFORMANCE = Pattern.compile("(\\d+) records sent, ([\\d.]+) records/sec "
            + "\\(([\\d.]+) MB/sec\\), ([\\d.]+) ms avg latency, ([\\d.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms "
            + "95th, (\\d+) ms 99th");
    static final String INGEST = "IngestApplication";
    static final String FLOOR = "HttpFloorApplication";
    static final String PRODUCER_PERF = "ProducerPerformance";

    public static void main(String[] args) throws Exception {
        BenchEnvironment env = BenchEnvironment.fromEnvFile(Path.of(args.length > 0 ? args[0] : ".mnemo/dev-env.json"));
        int seconds = Integer.parseInt(System.getProperty("bench.seconds", "20"));
        int clients = Integer.parseInt(System.getProperty("bench.clients", "16"));
        run(env, seconds, clients, Path.of(System.getProperty("bench.results", "bench/results")));
    }

    /**
     * One run's figures; {@code cpuMicrosPerRequest} by kind of process ({@link BenchResults#cpuMicrosByKind}),
     * {@code sut} the kind that served it.
     */
    record Run(String name, String sut, double memoriesPerSecond, double requestsPerSecond, Histogram latencyMicros,
               long errors, Map<String, Long> cpuMicrosPerRequest) {
        long sutCpu() {
            return cpuMicrosPerRequest.getOrDefault(sut, cpuMicrosPerRequest.getOrDefault("bench JVM", 0L));
        }
    }

    /** Where single POSTs go: ingest or the floor, and which kind of process serves them. */
    record Target(String label, String baseUrl, String kind) {
    }

    static BenchResults run(BenchEnvironment env, int seconds, int clients, Path resultsDir) throws Exception {
        env = env.withUnthrottledKey("bench-ingest");
        String runId = UUID.randomUUID().toString().substring(0, 8);
        int recordSize = eventSize(env);
        System.out.printf("Ingest benchmark on %s, %d s per run, %d closed-loop clients, 300-byte content, "
                + "%d-byte events%n", env.ingestUrl(), seconds, clients, recordSize);
        Optional<ProcessHandle> ingestProcess = platformProcess(env, INGEST);
        Optional<ProcessHandle> processors = platformProcess(env, "ProcessorsApplication");
        MEASURED.clear();
        ingestProcess.ifPresent(ingest -> {
            MEASURED.put(INGEST, ingest.pid());
            MEASURED.put("bench JVM", ProcessHandle.current().pid());
            // this platform's broker: the one among the descendants of the dev CLI that started this ingest
            ingest.parent().ifPresent(cli -> cli.descendants().filter(p -> BenchResults.arguments(p.pid())
                    .contains("kafka.Kafka")).findFirst().ifPresent(broker -> MEASURED.put("Kafka broker",
                    broker.pid())));
        });
        // Pin only when the services run in JVMs of their own (not in a test's JVM) and there are cores to split.
        int cores = Runtime.getRuntime().availableProcessors();
        boolean pin = ingestProcess.isPresent() && cores >= 2
                && Boolean.parseBoolean(System.getProperty("bench.pin", "true"));
        String sutCpus = System.getProperty("bench.sutCpus", "0");
        String driverCpus = System.getProperty("bench.driverCpus", "1");
        String floorTopic = "bench-floor-" + runId;
        createLikeEvents(env, floorTopic);
        List<Run> runs = new ArrayList<>();
        Matcher baseline;
        double floorRate;
        double ingestRate;
        // Put the platform back as it was however the bench ends: the processors running, ingest on every core
        // (a hook too, since a killed bench never reaches the finally below).
        Runnable restorePlatform = () -> {
            processors.ifPresent(p -> signal(p, "CONT"));
            if (pin) {
                taskset(ingestProcess.get().pid(), "0-" + (cores - 1));
            }
        };
        Thread restoreOnExit = new Thread(restorePlatform, "ingest-bench-restore");
        Runtime.getRuntime().addShutdownHook(restoreOnExit);
        processors.ifPresent(p -> signal(p, "STOP"));
        try (HttpFloor floor = HttpFloor.start(env, floorTopic, recordSize, pin ? sutCpus : null)) {
            if (pin) {
                taskset(ingestProcess.get().pid(), sutCpus);
                taskset(ProcessHandle.current().pid(), driverCpus);
            }
            Target ingest = new Target("ingest", env.ingestUrl(), ingestProcess.isPresent() ? INGEST : "bench JVM");
            Target floorTarget = new Target("HTTP floor", floor.url(), FLOOR);
            if (!MEASURED.isEmpty()) {
                MEASURED.put(FLOOR, floor.pid());
            }
            // warm both JITs before anything is measured: on one pinned core C2 was still compiling ingest's
            // request path (a third of its CPU) in the first measured round after a 10 s warm-up
            closedLoop(env, ingest, seconds, clients, 1, runId + "-warm");
            closedLoop(env, floorTarget, seconds, clients, 1, runId + "-warm");
            List<Run> ingestSingles = new ArrayList<>();
            List<Run> floorSingles = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                ingestSingles.add(closedLoop(env, ingest, seconds, clients, 1, runId));
                floorSingles.add(closedLoop(env, floorTarget, seconds, clients, 1, runId));
            }
            runs.addAll(List.of(ingestSingles.get(0), floorSingles.get(0), ingestSingles.get(1), floorSingles.get(1)));
            ingestRate = ingestSingles.stream().mapToDouble(Run::memoriesPerSecond).average().orElse(0);
            floorRate = floorSingles.stream().mapToDouble(Run::memoriesPerSecond).average().orElse(0);
            int openRate = Math.max(1, (int) (ingestRate / 2));
            runs.add(openLoop(env, ingest, seconds, 1, openRate, runId));
            runs.add(openLoop(env, floorTarget, seconds, 1, openRate, runId));
            Run hundred = closedLoop(env, ingest, seconds, Math.max(1, clients / 4), 100, runId);
            runs.add(hundred);
            runs.add(closedLoop(env, ingest, seconds, Math.max(1, clients / 4), 500, runId));
            runs.add(openLoop(env, ingest, seconds, 100, Math.max(100, (int) (hundred.memoriesPerSecond() / 2)),
                    runId));
            long records = (long) Math.min(3_000_000, Math.max(10_000,
                    runs.stream().mapToDouble(Run::memoriesPerSecond).max().orElse(10_000) * seconds * 2));
            if (pin) {
                // ProducerPerformance's JVM inherits this JVM's cores: it is the system under test now
                taskset(ProcessHandle.current().pid(), sutCpus);
            }
            Map<String, Long> cpuBefore = cpuNow();
            baseline = producerPerformance(env, runId, records, recordSize);
            Map<String, Long> cpu = BenchResults.cpuMicrosPerOp(cpuBefore, cpuNow(),
                    Long.parseLong(baseline.group(1)));
            // the child JVM has exited by now; its CPU is in this JVM's cutime
            runs.add(new Run("baseline: Kafka ProducerPerformance, " + recordSize + "-byte records, acks=all, "
                    + "idempotent, lz4, linger 5 ms (per-record latency)", PRODUCER_PERF,
                    Double.parseDouble(baseline.group(2)), Double.parseDouble(baseline.group(2)), null, 0, cpu));
        } finally {
            restorePlatform.run();
            Runtime.getRuntime().removeShutdownHook(restoreOnExit);
            if (pin) {
                taskset(ProcessHandle.current().pid(), "0-" + (cores - 1));
            }
            deleteTopic(env, floorTopic);
        }
        double baselineRate = Double.parseDouble(baseline.group(2));

        BenchResults table = new BenchResults("ingest", List.of("run", "memories/s", "requests/s", "p50 ms",
                "p95 ms", "p99 ms", "errors", "CPU µs/request: server", "CPU µs/request: Kafka broker",
                "CPU µs/request: load driver", "vs HTTP floor", "vs ProducerPerformance"));
        for (Run run : runs) {
            boolean pp = run.sut().equals(PRODUCER_PERF);
            boolean open = run.name().contains("open loop");
            table.row(run.name(), run.memoriesPerSecond(), run.requestsPerSecond(),
                    pp ? Double.parseDouble(baseline.group(6)) : ms(run.latencyMicros(), 50),
                    pp ? Double.parseDouble(baseline.group(7)) : ms(run.latencyMicros(), 95),
                    pp ? Double.parseDouble(baseline.group(8)) : ms(run.latencyMicros(), 99), run.errors(),
                    pp ? run.cpuMicrosPerRequest().getOrDefault(BenchResults.EXITED_CHILDREN, 0L) : run.sutCpu(),
                    run.cpuMicrosPerRequest().getOrDefault("Kafka broker", 0L),
                    pp ? "(in the server)" : run.cpuMicrosPerRequest().getOrDefault("bench JVM", 0L),
                    open || pp ? "–" : String.format("%.2f", run.memoriesPerSecond() / floorRate),
                    String.format("%.2f", run.memoriesPerSecond() / baselineRate));
        }
        double ingestCpu = runs.stream().filter(r -> r.sut().equals(INGEST) && r.name().contains("1 per request, "
                + "closed")).mapToLong(Run::sutCpu).average().orElse(0);
        double floorCpu = runs.stream().filter(r -> r.sut().equals(FLOOR) && r.name().contains("closed"))
                .mapToLong(Run::sutCpu).average().orElse(0);
        table.put("single POST vs HTTP floor (closed loop, mean of the ABAB rounds)", String.format(
                "%.2f (%,.0f vs %,.0f requests/s; server CPU %.0f vs %.0f µs/request)", ingestRate / floorRate,
                ingestRate, floorRate, ingestCpu, floorCpu));
        table.put("latency", "per HTTP request (a batch is one request); open loop measured from the scheduled send; "
                + "ProducerPerformance per record");
        table.put("fairness", "processors " + (processors.isPresent() ? "paused (SIGSTOP) during the run, so "
                + "nobody consumes the event log, the floor's or ProducerPerformance's topic" : "in-process, not paused")
                + "; " + (pin ? "server (ingest, floor, ProducerPerformance) pinned to CPU " + sutCpus
                + ", load driver to CPU " + driverCpus + " (taskset); the broker is not pinned" : "not pinned"));
        table.put("CPU", "µs per request (per record for ProducerPerformance, whose load driver is itself) from "
                + "/proc/<pid>/stat: server = the JVM answering, load driver = this bench JVM");
        table.write(resultsDir);
        return table;
    }

    /**
     * A process of this platform (its environment names this platform's Kafka: other engineers' platforms may run
     * on the same machine) by main class, other than this JVM.
     */
    static Optional<ProcessHandle> platformProcess(BenchEnvironment env, String mainClass) {
        String kafka = "MNEMO_KAFKA_BOOTSTRAP=" + env.kafkaBootstrap();
        return ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> BenchResults.arguments(p.pid()).stream().anyMatch(w -> w.equals(mainClass)
                        || w.startsWith("io.mnemo.") && w.endsWith("." + mainClass)))
                .filter(p -> environment(p.pid()).contains(kafka)).findFirst();
    }

    private static List<String> environment(long pid) {
        try {
            return List.of(new String(java.nio.file.Files.readAllBytes(Path.of("/proc", Long.toString(pid),
                    "environ")), java.nio.charset.StandardCharsets.ISO_8859_1).split("\0"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The processes whose CPU each row reports, by kind; empty = every process of the kinds (in-process smoke). */
    private static final Map<String, Long> MEASURED = new java.util.concurrent.ConcurrentHashMap<>();

    /** CPU µs used so far by the measured processes (this JVM's exited children as their own kind). */
    static Map<String, Long> cpuNow() {
        if (MEASURED.isEmpty()) {
            return BenchResults.cpuMicrosByKind();
        }
        Map<String, Long> byKind = new java.util.LinkedHashMap<>();
        MEASURED.forEach((kind, pid) -> {
            long[] ticks = BenchResults.cpuTicks(pid);
            if (ticks != null) {
                byKind.put(kind, (ticks[0] + ticks[1]) * 10_000L); // USER_HZ 100: a tick is 10 ms
                if (pid == ProcessHandle.current().pid()) {
                    byKind.put(BenchResults.EXITED_CHILDREN, (ticks[2] + ticks[3]) * 10_000L);
                }
            }
        });
        return byKind;
    }

    private static void signal(ProcessHandle process, String signal) {
        command(List.of("kill", "-" + signal, Long.toString(process.pid())));
        System.out.printf("  sent SIG%s to %d%n", signal, process.pid());
    }

    /** Pins every thread of a process to {@code cpus} (threads it starts later inherit the mask). */
    static void taskset(long pid, String cpus) {
        command(List.of("taskset", "-a", "-p", "-c", cpus, Long.toString(pid)));
    }

    private static void command(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A fresh topic with the partitions, replication and topic configuration of the event log. */
    static void createLikeEvents(BenchEnvironment env, String topic) throws Exception {
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
    }

    private static void deleteTopic(BenchEnvironment env, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrap()))) {
            admin.deleteTopics(List.of(topic)).all().get();
        }
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
        createLikeEvents(env, topic);
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
            deleteTopic(env, topic);
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
    static Run closedLoop(BenchEnvironment env, Target target, int seconds, int clients, int batch, String runId)
            throws Exception {
        HttpClient http = http();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        Histogram latency = new ConcurrentHistogram(60_000_000L, 3);
        AtomicLong requests = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        Map<String, Long> cpuBefore = cpuNow();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        long started = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                long seq = 0;
                while (System.nanoTime() < end) {
                    HttpRequest request = request(env, target, runId + "-closed", client, seq, batch);
                    seq += batch;
                    long sent = System.nanoTime();
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    latency.recordValue(Math.min((System.nanoTime() - sent) / 1000, 60_000_000L));
                    if (response.statusCode() == 202) {
                        requests.incrementAndGet();
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
        double elapsed = (System.nanoTime() - started) / 1e9;
        Map<String, Long> cpu = BenchResults.cpuMicrosPerOp(cpuBefore, cpuNow(),
                requests.get() + errors.get());
        pool.shutdownNow();
        Run run = new Run(name(target, batch) + ", closed loop, " + clients + " clients", target.kind(),
                requests.get() * batch / elapsed, requests.get() / elapsed, latency, errors.get(), cpu);
        System.out.printf("  %s: %,.0f memories/s, server %d µs CPU/request%n", run.name(), run.memoriesPerSecond(),
                run.sutCpu());
        return run;
    }

    /** Requests on a fixed schedule: {@code memoriesPerSecond / batch} per second whatever the answers take. */
    static Run openLoop(BenchEnvironment env, Target target, int seconds, int batch, int memoriesPerSecond,
                        String runId) throws Exception {
        HttpClient http = http();
        Histogram latency = new ConcurrentHistogram(60_000_000L, 3);
        AtomicLong answered = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        double intervalNanos = 1e9 * batch / memoriesPerSecond;
        long requests = (long) memoriesPerSecond * seconds / batch;
        Map<String, Long> cpuBefore = cpuNow();
        long started = System.nanoTime();
        long skipped = OpenLoop.run(requests, intervalNanos, 512, (i, scheduled) -> http.sendAsync(
                request(env, target, runId + "-open", (int) (i % 64), i * batch, batch),
                        HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, e) -> {
                    latency.recordValue(Math.min((System.nanoTime() - scheduled) / 1000, 60_000_000L));
                    if (e == null && response.statusCode() == 202) {
                        answered.incrementAndGet();
                    } else {
                        errors.incrementAndGet();
                    }
                }));
        double elapsed = (System.nanoTime() - started) / 1e9;
        Map<String, Long> cpu = BenchResults.cpuMicrosPerOp(cpuBefore, cpuNow(),
                answered.get() + errors.get());
        errors.addAndGet(skipped);
        Run run = new Run(name(target, batch) + ", open loop at " + String.format("%,d", memoriesPerSecond)
                + " memories/s", target.kind(), answered.get() * batch / elapsed, answered.get() / elapsed, latency,
                errors.get(), cpu);
        System.out.printf("  %s: %,.0f memories/s, p99 %.1f ms, server %d µs CPU/request%n", run.name(),
                run.memoriesPerSecond(), ms(latency, 99), run.sutCpu());
        return run;
    }

    private static String name(Target target, int batch) {
        return target.label() + (batch == 1 ? ": HTTP POST /memories, 1 per request" : ": HTTP POST /memories:batch, "
                + batch + " per request");
    }

    private static HttpRequest request(BenchEnvironment env, Target target, String runId, int client, long seq,
                                       int batch) {
        if (batch == 1) {
            String user = "bench-" + runId + "-c" + client;
            ObjectNode body = JSON.createObjectNode().put("occurredAt", Instant.now().toString())
                    .put("content", content(seq));
            body.putArray("tags").add("bench");
            return HttpRequest.newBuilder(URI.create(target.baseUrl() + "/v1/users/" + user + "/memories"))
                    .header("Authorization", "Bearer " + env.apiKey()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        }
        ArrayNode items = JSON.createArrayNode();
        for (int i = 0; i < batch; i++) {
            ObjectNode item = items.addObject().put("userId", "bench-" + runId + "-c" + client + "-" + (i % 50))
                    .put("occurredAt", Instant.now().toString()).put("content", content(seq + i));
            item.putArray("tags").add("bench");
        }
        return HttpRequest.newBuilder(URI.create(target.baseUrl() + "/v1/memories:batch"))
                .header("Authorization", "Bearer " + env.apiKey()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().set("items", items).toString()))
                .build();
    }
}
