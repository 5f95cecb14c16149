package io.mnemo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * End-to-end freshness: open-loop load through the ingest API at fixed rates (batches of 50 memories sent on a
 * fixed schedule, whatever the answers take: no coordinated omission), and for every accepted memory the time
 * from its 202 to the moment the replica reflects it — the replica's {@code projection_watermarks} for the
 * memory's event-log partition reaching the position ingest returned, polled every 5 ms (what read-your-writes
 * uses). Rates: 1k and 5k events/s; then the maximum sustainable rate: doubling from the highest rate sustained
 * until one is not, then bisecting; a rate is sustained when ingest accepts 90 % of the schedule, every accepted
 * memory becomes visible, and the p99 freshness stays within 10 s. The baseline is the
 * replica's own streaming lag under the same load ({@code now() - pg_last_xact_replay_timestamp()}), i.e. what
 * Postgres replication alone adds. Each rate starts once everything of the previous one is visible (or 2 minutes).
 */
public final class FreshnessBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 50;
    private static final long P99_LIMIT_MILLIS = 10_000;

    public static void main(String[] args) throws Exception {
        BenchEnvironment env = BenchEnvironment.fromEnvFile(Path.of(args.length > 0 ? args[0] : ".mnemo/dev-env.json"));
        int seconds = Integer.parseInt(System.getProperty("bench.seconds", "15"));
        List<Integer> rates = new ArrayList<>();
        for (String rate : System.getProperty("bench.rates", "1000,5000").split(",")) {
            rates.add(Integer.parseInt(rate.trim()));
        }
        boolean findMax = Boolean.parseBoolean(System.getProperty("bench.findMax", "true"));
        run(env, rates, findMax, seconds, Path.of(System.getProperty("bench.results", "bench/results")));
    }

    /** One rate's outcome. */
    record Step(int targetRate, double acceptedRate, long accepted, long refused, long notVisible,
                Histogram ingestLatency, Histogram freshness, Histogram replicaLag, Stages stages,
                Map<String, Long> cpu) {
        boolean sustained() {
            return acceptedRate >= 0.9 * targetRate && notVisible == 0
                    && freshness.getValueAtPercentile(99) <= P99_LIMIT_MILLIS * 1000;
        }
    }

    static BenchResults run(BenchEnvironment env, List<Integer> rates, boolean findMax, int seconds, Path resultsDir)
            throws Exception {
        env = env.withUnthrottledKey("bench-freshness");
        System.out.printf("Freshness benchmark: ingest %s → replica %s, %d s per rate, batches of %d%n",
                env.ingestUrl(), env.replica().url(), seconds, BATCH);
        List<Step> steps = new ArrayList<>();
        for (int rate : rates) {
            steps.add(step(env, rate, seconds));
        }
        Integer maxSustained = null;
        if (findMax) {
            // the highest fixed rate sustained and the lowest not; double until one fails, then bisect (to 15 %)
            int low = steps.stream().filter(Step::sustained).mapToInt(Step::targetRate).max().orElse(0);
            int high = steps.stream().filter(st -> !st.sustained()).mapToInt(Step::targetRate).min().orElse(0);
            while (high == 0) {
                Step step = step(env, Math.max(1_000, low * 2), seconds);
                steps.add(step);
                if (step.sustained()) {
                    low = step.targetRate();
                } else {
                    high = step.targetRate();
                }
            }
            for (int i = 0; i < 4 && high - low > Math.max(250, low * 0.15); i++) {
                int middle = (low + high) / 2 / 50 * 50;
                Step step = step(env, middle, seconds);
                steps.add(step);
                if (step.sustained()) {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            maxSustained = low;
        }
        BenchResults table = new BenchResults("freshness", List.of("target events/s", "accepted events/s",
                "202 p50 ms", "202 p99 ms", "visible on replica p50 ms", "p95 ms", "p99 ms", "max ms",
                "baseline: replica lag p50 ms", "p99 ms", "stage Streams p50/p99 ms", "stage sink p50/p99 ms",
                "stage replica p50/p99 ms", "sustained", "CPU µs per event (by process)"));
        for (Step step : steps) {
            table.row(step.targetRate(), step.acceptedRate(), ms(step.ingestLatency(), 50), ms(step.ingestLatency(), 99),
                    ms(step.freshness(), 50), ms(step.freshness(), 95), ms(step.freshness(), 99),
                    step.freshness().getMaxValue() / 1000.0, ms(step.replicaLag(), 50), ms(step.replicaLag(), 99),
                    pair(step.stages().streams()), pair(step.stages().sink()), pair(step.stages().replica()),
                    step.sustained() ? "yes" : "no (" + step.refused() + " refused, " + step.notVisible()
                            + " not visible in time)", step.cpu());
        }
        table.put("maximum sustainable rate (events/s; doubling, then bisecting between sustained and not)",
                maxSustained == null ? "not searched" : maxSustained);
        table.put("stages", "per memory: 202 → the processors' output for its event committed on memory-changes "
                + "(read_committed consumer) → the primary's watermark passes it → the replica's does; the stages add "
                + "up to the visibility latency (each ±5 ms of polling)");
        table.put("cpu", "CPU µs per accepted event: user + system time of each kind of process from the step's "
                + "first request until its last memory is visible (/proc/<pid>/stat; Postgres includes exited "
                + "backends; the bench JVM is the load driver and the watchers)");
        table.put("freshness", "from the 202 to the replica's watermark for the memory's partition >= its position "
                + "(5 ms polling, so ±5 ms)");
        table.write(resultsDir);
        return table;
    }

    private static String pair(Histogram histogram) {
        return String.format("%.0f / %.0f", ms(histogram, 50), ms(histogram, 99));
    }

    private static double ms(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    /** One accepted memory waiting to be seen on the replica. */
    static final class Pending {
        final int partition;
        final long offset;
        final long acceptedNanos;
        long changedNanos;
        long primaryNanos;

        Pending(int partition, long offset, long acceptedNanos) {
            this.partition = partition;
            this.offset = offset;
            this.acceptedNanos = acceptedNanos;
        }

        long offset() {
            return offset;
        }
    }

    /**
     * Where the time between a 202 and "visible on the replica" goes, per memory: until the stream processors'
     * output for its event is committed on memory-changes (Streams: poll, process, the exactly-once commit interval),
     * then until the primary's watermark passes it (the sink: poll, batch, one transaction), then until the
     * replica's does (streaming replication: WAL shipped and replayed, plus the watcher's 5 ms polling).
     */
    record Stages(Histogram streams, Histogram sink, Histogram replica) {
        static Stages create() {
            return new Stages(new Histogram(600_000_000L, 3), new Histogram(600_000_000L, 3),
                    new Histogram(600_000_000L, 3));
        }
    }

    static Step step(BenchEnvironment env, int rate, int seconds) throws Exception {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        HttpClient http = IngestBench.http();
        Histogram ingestLatency = new org.HdrHistogram.ConcurrentHistogram(60_000_000L, 3);
        Histogram freshness = new Histogram(600_000_000L, 3);
        Histogram replicaLag = new Histogram(600_000_000L, 3);
        ConcurrentLinkedQueue<Pending> accepted = new ConcurrentLinkedQueue<>();
        AtomicLong acceptedCount = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicBoolean sending = new AtomicBoolean(true);
        long requests = (long) rate * seconds / BATCH;
        double intervalNanos = 1e9 * BATCH / rate;

        Stages stages = Stages.create();
        Map<String, Long> cpuBefore = BenchResults.cpuMicrosByKind();
        ChangesWatcher changes = new ChangesWatcher(env);
        Thread changesThread = new Thread(changes, "freshness-changes");
        changesThread.start();
        changes.awaitAssigned();
        Thread watcher = new Thread(() -> watch(env, accepted, freshness, replicaLag, stages, changes, sending),
                "freshness-watcher");
        watcher.start();
        long started = System.nanoTime();
        long skipped = OpenLoop.run(requests, intervalNanos, 256, (i, scheduled) -> http.sendAsync(batch(env, runId, i),
                HttpResponse.BodyHandlers.ofString()).whenComplete((response, e) -> {
                    long now = System.nanoTime();
                    ingestLatency.recordValue(Math.min((now - scheduled) / 1000, 60_000_000L));
                    if (e != null || response.statusCode() != 202) {
                        refused.addAndGet(BATCH);
                        return;
                    }
                    try {
                        for (JsonNode result : JSON.readTree(response.body()).get("results")) {
                            String[] position = result.get("position").asText().split(":");
                            accepted.add(new Pending(Integer.parseInt(position[0]), Long.parseLong(position[1]), now));
                            acceptedCount.incrementAndGet();
                        }
                    } catch (java.io.IOException parse) {
                        refused.addAndGet(BATCH);
                    }
                }));
        refused.addAndGet(skipped * BATCH);
        double elapsed = (System.nanoTime() - started) / 1e9;
        sending.set(false);
        watcher.join(TimeUnit.SECONDS.toMillis(seconds + 180));
        changes.stop();
        changesThread.join(10_000);
        // everything the step caused, from the first request until its last memory is visible (the observers'
        // polling included: the bench JVM's figure is the load driver plus the watchers)
        Map<String, Long> cpu = BenchResults.cpuMicrosPerOp(cpuBefore, BenchResults.cpuMicrosByKind(),
                acceptedCount.get());
        long notVisible = acceptedCount.get() - freshness.getTotalCount();
        Step step = new Step(rate, acceptedCount.get() / elapsed, acceptedCount.get(), refused.get(), notVisible,
                ingestLatency, freshness, replicaLag, stages, cpu);
        System.out.printf("  %,d events/s: accepted %,.0f/s, visible p50 %.0f ms p99 %.0f ms (streams p99 %.0f, sink "
                        + "p99 %.0f, replica p99 %.0f)%s%n", rate, step.acceptedRate(), ms(freshness, 50),
                ms(freshness, 99), ms(stages.streams(), 99), ms(stages.sink(), 99), ms(stages.replica(), 99),
                step.sustained() ? "" : " (not sustained)");
        return step;
    }

    /**
     * Polls the replica's watermarks every 5 ms and records, for each accepted memory, when its partition's
     * watermark reaches its position. After the sender stops, waits up to 2 minutes for the rest, so that the next
     * rate starts on a drained pipeline.
     */
    private static void watch(BenchEnvironment env, ConcurrentLinkedQueue<Pending> accepted, Histogram freshness,
                              Histogram replicaLag, Stages stages, ChangesWatcher changes, AtomicBoolean sending) {
        Map<Integer, PriorityQueue<Pending>> waiting = new ConcurrentHashMap<>();
        // memories not through Streams yet, and those through Streams but not on the primary yet, by partition, in
        // offset order: each poll only looks at the memories it settles (a full scan per poll made the watcher the
        // bench JVM's largest CPU cost when the pipeline fell behind)
        Map<Integer, PriorityQueue<Pending>> inStreams = new java.util.HashMap<>();
        Map<Integer, PriorityQueue<Pending>> inSink = new java.util.HashMap<>();
        long giveUp = Long.MAX_VALUE;
        try (Connection replica = DriverManager.getConnection(env.replica().url(), env.replica().user(),
                env.replica().password());
             Connection primaryDb = DriverManager.getConnection(env.primary().url(), env.primary().user(),
                     env.primary().password());
             PreparedStatement primaryWatermarks = primaryDb.prepareStatement(
                     "SELECT partition, applied_offset FROM projection_watermarks WHERE projection = 'memories'");
             PreparedStatement watermarks = replica.prepareStatement(
                     "SELECT partition, applied_offset FROM projection_watermarks WHERE projection = 'memories'");
             PreparedStatement lag = replica.prepareStatement("""
                     SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                                 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1e6 END""")) {
            long polls = 0;
            while (true) {
                for (Pending p; (p = accepted.poll()) != null; ) {
                    waiting.computeIfAbsent(p.partition, k -> new PriorityQueue<>(
                            java.util.Comparator.comparingLong(Pending::offset))).add(p);
                    byOffset(inStreams, p.partition).add(p);
                }
                boolean anyWaiting = waiting.values().stream().anyMatch(q -> !q.isEmpty());
                if (!sending.get() && !anyWaiting && accepted.isEmpty()) {
                    return;
                }
                if (!sending.get() && giveUp == Long.MAX_VALUE) {
                    giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
                }
                if (System.nanoTime() > giveUp) {
                    return;
                }
                if (anyWaiting) {
                    // stages 1 and 2: committed on memory-changes, then on the primary
                    Map<Integer, Long> onPrimary = new java.util.HashMap<>();
                    try (ResultSet rs = primaryWatermarks.executeQuery()) {
                        while (rs.next()) {
                            onPrimary.put(rs.getInt(1), rs.getLong(2));
                        }
                    }
                    long polled = System.nanoTime();
                    inStreams.forEach((partition, queue) -> {
                        long settled = changes.settled(partition);
                        long primary = onPrimary.getOrDefault(partition, -1L);
                        while (!queue.isEmpty() && queue.peek().offset <= Math.max(settled, primary)) {
                            Pending pending = queue.poll();
                            // seen on the primary before the changes watcher saw it: both stages end at this poll
                            pending.changedNanos = pending.offset <= settled
                                    ? changes.settledAt(partition, pending.offset, polled) : polled;
                            byOffset(inSink, partition).add(pending);
                        }
                    });
                    inSink.forEach((partition, queue) -> {
                        long primary = onPrimary.getOrDefault(partition, -1L);
                        while (!queue.isEmpty() && queue.peek().offset <= primary) {
                            queue.poll().primaryNanos = polled;
                        }
                    });
                    try (ResultSet rs = watermarks.executeQuery()) {
                        long now = System.nanoTime();
                        while (rs.next()) {
                            PriorityQueue<Pending> queue = waiting.get(rs.getInt(1));
                            long applied = rs.getLong(2);
                            while (queue != null && !queue.isEmpty() && queue.peek().offset() <= applied) {
                                Pending seen = queue.poll();
                                freshness.recordValue(Math.max(0, (now - seen.acceptedNanos) / 1000));
                                long changed = seen.changedNanos == 0 ? now : seen.changedNanos;
                                long primary = seen.primaryNanos == 0 ? now : seen.primaryNanos;
                                stages.streams().recordValue(Math.max(0, (changed - seen.acceptedNanos) / 1000));
                                stages.sink().recordValue(Math.max(0, (primary - changed) / 1000));
                                stages.replica().recordValue(Math.max(0, (now - primary) / 1000));
                            }
                        }
                    }
                }
                if (sending.get() && polls++ % 20 == 0) {
                    try (ResultSet rs = lag.executeQuery()) {
                        rs.next();
                        replicaLag.recordValue(Math.max(0, Math.min((long) rs.getDouble(1), 600_000_000L)));
                    }
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
        } catch (Exception e) {
            System.err.println("watcher stopped: " + e);
        }
    }

    private static PriorityQueue<Pending> byOffset(Map<Integer, PriorityQueue<Pending>> queues, int partition) {
        return queues.computeIfAbsent(partition, k -> new PriorityQueue<>(java.util.Comparator.comparingLong(
                Pending::offset)));
    }

    private static HttpRequest batch(BenchEnvironment env, String runId, long seq) {
        ArrayNode items = JSON.createArrayNode();
        String now = Instant.now().toString();
        for (int i = 0; i < BATCH; i++) {
            ObjectNode item = items.addObject().put("userId", "fresh-" + runId + "-" + ((seq * BATCH + i) % 500))
                    .put("occurredAt", now).put("content", "freshness probe " + seq + "/" + i + " "
                            + "x".repeat(260));
            item.putArray("tags").add("bench");
        }
        return HttpRequest.newBuilder(URI.create(env.ingestUrl() + "/v1/memories:batch"))
                .header("Authorization", "Bearer " + env.apiKey()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().set("items", items).toString()))
                .build();
    }

    /**
     * Reads memory-changes as the sinks do (read_committed, from its end at the start of a step) and remembers, per
     * event-log partition, when each source offset's output became readable: a record that closes its position
     * (no {@code mnemo.position.open} header) at source offset o means every event up to o is through Streams.
     */
    static final class ChangesWatcher implements Runnable {
        private final org.apache.kafka.clients.consumer.KafkaConsumer<String, org.apache.avro.specific.SpecificRecord>
                consumer;
        private final Map<Integer, java.util.concurrent.ConcurrentSkipListMap<Long, Long>> seenAt =
                new ConcurrentHashMap<>();
        private final java.util.concurrent.CountDownLatch assigned = new java.util.concurrent.CountDownLatch(1);
        private volatile boolean running = true;

        ChangesWatcher(BenchEnvironment env) {
            consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.<String, Object>of(
                    "bootstrap.servers", env.kafkaBootstrap(), "isolation.level", "read_committed",
                    "enable.auto.commit", false, "fetch.max.wait.ms", 5),
                    new org.apache.kafka.common.serialization.StringDeserializer(),
                    new io.mnemo.schemas.serde.ConfluentAvroDeserializer(
                            new io.mnemo.schemas.serde.HttpSchemaRegistryClient(env.schemaRegistryUrl())));
        }

        void awaitAssigned() throws InterruptedException {
            assigned.await(30, TimeUnit.SECONDS);
        }

        @Override
        public void run() {
            try (consumer) {
                var partitions = consumer.partitionsFor(io.mnemo.schemas.Topics.MEMORY_CHANGES.name()).stream()
                        .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position);
                assigned.countDown();
                while (running) {
                    var records = consumer.poll(java.time.Duration.ofMillis(5));
                    long now = System.nanoTime();
                    for (var record : records) {
                        if (record.headers().lastHeader("mnemo.position.open") != null) {
                            continue;
                        }
                        int partition;
                        long offset;
                        if (record.value() instanceof io.mnemo.schemas.changes.MemoryChanged c) {
                            partition = c.getSourcePartition();
                            offset = c.getSourceOffset();
                        } else if (record.value() instanceof io.mnemo.schemas.changes.EventSettled c) {
                            partition = c.getSourcePartition();
                            offset = c.getSourceOffset();
                        } else if (record.value() instanceof io.mnemo.schemas.changes.UserActivityDay c) {
                            partition = c.getSourcePartition();
                            offset = c.getSourceOffset();
                        } else {
                            continue;
                        }
                        seenAt.computeIfAbsent(partition, k -> new java.util.concurrent.ConcurrentSkipListMap<>())
                                .putIfAbsent(offset, now);
                    }
                }
            } catch (RuntimeException e) {
                System.err.println("changes watcher stopped: " + e);
                assigned.countDown();
            }
        }

        /** The highest source offset of the partition through Streams so far (-1: none). */
        long settled(int partition) {
            var seen = seenAt.get(partition);
            return seen == null || seen.isEmpty() ? -1 : seen.lastKey();
        }

        /** When the first output at or after the offset became readable (or {@code otherwise}). */
        long settledAt(int partition, long offset, long otherwise) {
            var seen = seenAt.get(partition);
            var entry = seen == null ? null : seen.ceilingEntry(offset);
            return entry == null ? otherwise : entry.getValue();
        }

        void stop() {
            running = false;
        }
    }
}
