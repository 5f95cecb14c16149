package io.mnemo.cli;

import io.mnemo.kit.kafka.KafkaClientSecurity;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.kit.db.DatabaseStatusDao;
import io.mnemo.kit.db.Daos;
import io.mnemo.processors.db.ActivityProjectionWriter;
import io.mnemo.processors.db.MaintenanceLock;
import io.mnemo.processors.db.MaintenanceRun;
import io.mnemo.processors.db.MediaProjectionWriter;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.MemorySearchProjectionWriter;
import io.mnemo.processors.db.ProjectionMaintenanceDao;
import io.mnemo.processors.db.ProjectionOffsets;
import io.mnemo.processors.db.ProjectionWatermarksDao;
import io.mnemo.processors.topology.MemoryChangesTopology;
import io.mnemo.schemas.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

/**
 * What {@code mnemo status} finds, as one JSON-shaped map: a verdict with its reasons first, then every service
 * instance (from its admin health check), every piece of infrastructure (from a real probe), the Streams state,
 * each consumer's lag in records and in seconds, dead letters waiting and the replays and rebuilds.
 *
 * <p>Each probe is bounded (3 s to connect, 5 s per Kafka call) and a probe that fails is a finding, never an
 * error of the command: with Kafka down the report says so, and the lag it cannot compute is {@code null}.
 */
final class PlatformStatus {
    static final List<String> SERVICES = List.of("ingest", "query", "processors");
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    /** The sinks and the topic each consumes, as the processors run them. */
    static final Map<String, String> SINKS = new TreeMap<>(Map.of(
            MemoriesProjectionWriter.PROJECTION, Topics.MEMORY_CHANGES.name(),
            MemorySearchProjectionWriter.PROJECTION, Topics.MEMORY_CHANGES.name(),
            MediaProjectionWriter.PROJECTION, Topics.MEMORY_CHANGES.name(),
            ActivityProjectionWriter.PROJECTION, Topics.MEMORY_CHANGES.name()));

    /** Worse verdicts compare greater. */
    enum Verdict {
        HEALTHY, DEGRADED, DOWN;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What to look at.
     *
     * @param serviceAdmins admin base URLs of each service's instances; a service with none is not checked
     * @param primaryName the supervisor's name of the server that is the primary ({@code postgres-primary} until a
     *                    promotion; the report is keyed by these names and gives each server's role)
     * @param replicaNames the supervisor's names of the replicas, in the order of {@code replicas}
     * @param supervisorFile {@code supervisor.json} of a running {@code mnemo dev}, if any
     * @param maxLag lag beyond which the platform is degraded
     */
    record Targets(String bootstrap, String schemaRegistry, PostgresOptions.Connection primary, String primaryName,
                   List<String> replicas,
                   List<String> replicaNames, Map<String, List<URI>> serviceAdmins, String s3Endpoint,
                   Path supervisorFile, Duration maxLag) {
    }

    private final Targets targets;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
    private record Problem(Verdict severity, String reason) {
    }

    private final List<Problem> problems = new ArrayList<>();

    private PlatformStatus(Targets targets, Clock clock) {
        this.targets = targets;
        this.clock = clock;
    }

    static Map<String, Object> collect(Targets targets, Clock clock) {
        return new PlatformStatus(targets, clock).collect();
    }

    private void problem(Verdict severity, String reason) {
        problems.add(new Problem(severity, reason));
    }

    private Map<String, Object> collect() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("healthy", null);
        status.put("verdict", null);
        status.put("reasons", null);
        status.put("checkedAt", clock.instant().toString());
        Map<String, Map<String, Object>> supervised = supervised();

        Map<String, Object> services = new LinkedHashMap<>();
        List<String> notChecked = new ArrayList<>();
        Map<String, Object> streams = new LinkedHashMap<>();
        streams.put("state", "UNKNOWN");
        streams.put("threads", null);
        for (String service : SERVICES) {
            List<URI> admins = targets.serviceAdmins().getOrDefault(service, List.of());
            if (admins.isEmpty()) {
                notChecked.add(service + " (no admin URL: --" + service + "-admin-url or $MNEMO_"
                        + service.toUpperCase(Locale.ROOT) + "_ADMIN_URLS)");
                continue;
            }
            services.putAll(service(service, admins, supervised, streams));
        }
        status.put("services", services);
        status.put("notChecked", notChecked);

        Map<String, Object> infrastructure = new LinkedHashMap<>();
        boolean kafkaUp = kafka(infrastructure, supervised);
        registry(infrastructure);
        boolean primaryUp = postgresPrimary(infrastructure, supervised);
        List<Map<String, Object>> replicas = replicas(infrastructure, supervised);
        s3(infrastructure, supervised, notChecked);
        status.put("infrastructure", infrastructure);
        status.put("streams", streams);

        if (kafkaUp) {
            lag(status, primaryUp);
        } else {
            status.put("processors", Map.of("group", MemoryChangesTopology.APPLICATION_ID, "lag", "unknown",
                    "reason", "Kafka is down"));
            status.put("projections", Map.of());
        }
        status.put("replicas", replicas);
        Object deadLetters = null;
        if (kafkaUp) {
            try {
                deadLetters = DeadLetterLog.read(targets.bootstrap()).waiting().size();
            } catch (RuntimeException e) {
                deadLetters = null;
            }
        }
        status.put("deadLettersWaiting", deadLetters);
        status.put("maintenance", primaryUp ? maintenance(jdbi(targets.primary().url())) : List.of());
        // the worst first: "kafka down" before the services that are degraded because of it
        Verdict verdict = problems.stream().map(Problem::severity).max(Comparator.naturalOrder())
                .orElse(Verdict.HEALTHY);
        status.put("healthy", verdict == Verdict.HEALTHY);
        status.put("verdict", verdict.label());
        status.put("reasons", problems.stream().sorted(Comparator.comparing(Problem::severity).reversed())
                .map(Problem::reason).toList());
        return status;
    }

    // ---- services

    /** One entry per instance; the service is down when every instance is, degraded when one is. */
    private Map<String, Object> service(String service, List<URI> admins, Map<String, Map<String, Object>> supervised,
                                        Map<String, Object> streams) {
        Map<String, Object> instances = new LinkedHashMap<>();
        List<String> down = new ArrayList<>();
        int threads = 0;
        List<String> streamStates = new ArrayList<>();
        for (int i = 0; i < admins.size(); i++) {
            String name = admins.size() == 1 ? service : service + "-" + (i + 1);
            Health health = health(admins.get(i));
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("state", health.state());
            entry.put("reason", health.reason());
            entry.put("admin", admins.get(i).toString());
            supervision(entry, supervised.get(name));
            instances.put(name, entry);
            String because = name + " " + health.state() + ": " + health.reason() + restartNote(entry);
            if (health.state().equals("down")) {
                down.add(because);
            } else if (health.state().equals("degraded")) {
                problem(Verdict.DEGRADED, because);
            }
            JsonNode streamsCheck = health.checks() == null ? null : health.checks().get("streams");
            if (service.equals("processors") && streamsCheck != null) {
                String state = detail(streamsCheck, "state").asText("UNKNOWN");
                streamStates.add(state);
                threads += detail(streamsCheck, "threads").asInt(0);
            }
        }
        if (!down.isEmpty()) {
            down.forEach(reason -> problem(down.size() == admins.size() ? Verdict.DOWN : Verdict.DEGRADED, reason));
        }
        if (service.equals("processors") && !streamStates.isEmpty()) {
            String state = streamStates.stream().filter(s -> !s.equals("RUNNING")).findFirst().orElse("RUNNING");
            streams.put("state", state);
            streams.put("threads", threads);
            if (!state.equals("RUNNING") && !state.equals("REBALANCING")) {
                problem(Verdict.DEGRADED, "streams " + state);
            }
        }
        return instances;
    }

    /** Dropwizard writes a check's details next to its {@code healthy} and {@code message}. */
    private static JsonNode detail(JsonNode check, String name) {
        return check.has(name) ? check.get(name) : check.path("details").path(name);
    }

    record Health(String state, String reason, JsonNode checks) {
    }

    /** The admin health check: 200 up, any other answer degraded (with the failing checks), no answer down. */
    Health health(URI admin) {
        URI url = admin.resolve("/healthcheck");
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(url).timeout(PROBE_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode checks = null;
            try {
                checks = new ObjectMapper().readTree(response.body());
            } catch (IOException e) {
                // not JSON: the status code says enough
            }
            if (response.statusCode() == 200) {
                return new Health("up", null, checks);
            }
            List<String> failing = new ArrayList<>();
            if (checks != null) {
                checks.fields().forEachRemaining(check -> {
                    if (!check.getValue().path("healthy").asBoolean(true)) {
                        failing.add(check.getKey() + ": " + check.getValue().path("message").asText("unhealthy"));
                    }
                });
            }
            return new Health("degraded", failing.isEmpty() ? "health check answered " + response.statusCode()
                    : String.join("; ", failing), checks);
        } catch (HttpTimeoutException e) {
            return new Health("down", "no answer from " + url + " within " + PROBE_TIMEOUT.toSeconds() + " s", null);
        } catch (IOException e) {
            return new Health("down", "not answering at " + url, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Health("down", "interrupted", null);
        }
    }

    // ---- infrastructure

    private boolean kafka(Map<String, Object> infrastructure, Map<String, Map<String, Object>> supervised) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("bootstrap", targets.bootstrap());
        boolean up;
        List<String> addresses = List.of(targets.bootstrap().split(","));
        try (Admin admin = Admin.create(kafkaClient())) {
            var nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
            entry.put("state", "up");
            entry.put("reason", null);
            entry.put("brokers", nodes.size());
            up = true;
            if (addresses.size() > 1) {
                // a cluster: each bootstrap address is a broker, named as mnemo dev names them (kafka-1, kafka-2 ...)
                List<String> live = nodes.stream().map(node -> node.host() + ":" + node.port()).toList();
                for (int i = 0; i < addresses.size(); i++) {
                    String name = "kafka-" + (i + 1);
                    Map<String, Object> broker = new LinkedHashMap<>();
                    broker.put("address", addresses.get(i).trim());
                    // the cluster lists a dead broker until its session times out: its port answers at once
                    String address = addresses.get(i).trim();
                    String reason = !listening(address) ? "not answering at " + address
                            : !live.contains(address) ? "not registered in the cluster" : null;
                    broker.put("state", reason == null ? "up" : "down");
                    broker.put("reason", reason);
                    supervision(broker, supervised.get(name));
                    infrastructure.put(name, broker);
                    if (reason != null) {
                        // replication 3 and min.insync.replicas 2: the others keep taking writes
                        problem(Verdict.DEGRADED, name + " down: " + reason + restartNote(broker));
                    }
                }
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            entry.put("state", "down");
            entry.put("reason", "no broker answers at " + targets.bootstrap());
            up = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            entry.put("state", "down");
            entry.put("reason", "interrupted");
            up = false;
        }
        supervision(entry, supervised.get("kafka"));
        infrastructure.put("kafka", entry);
        if (!up) {
            problem(Verdict.DOWN, "kafka down: " + entry.get("reason") + restartNote(entry));
        }
        return up;
    }

    /** Whether something accepts TCP connections at {@code host:port} within a second. */
    private static boolean listening(String address) {
        int colon = address.lastIndexOf(':');
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(address.substring(0, colon),
                    Integer.parseInt(address.substring(colon + 1))), 1_000);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private void registry(Map<String, Object> infrastructure) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("url", targets.schemaRegistry());
        String reason = reachable(URI.create(targets.schemaRegistry()).resolve("/subjects"), true);
        entry.put("state", reason == null ? "up" : "down");
        entry.put("reason", reason);
        infrastructure.put("schema-registry", entry);
        if (reason != null) {
            // ingest and the processors keep the schemas they have; new writers cannot register theirs
            problem(Verdict.DEGRADED, "schema-registry down: " + reason);
        }
    }

    private boolean postgresPrimary(Map<String, Object> infrastructure, Map<String, Map<String, Object>> supervised) {
        String name = targets.primaryName();
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("role", "primary");
        entry.put("url", targets.primary().url());
        String reason = null;
        try (Connection connection = connect(targets.primary().url())) {
            connection.createStatement().execute("SELECT 1");
        } catch (SQLException e) {
            reason = firstLine(e.getMessage());
        }
        entry.put("state", reason == null ? "up" : "down");
        entry.put("reason", reason);
        supervision(entry, supervised.get(name));
        infrastructure.put(name, entry);
        if (reason != null) {
            problem(Verdict.DOWN, name + " (primary) down: " + reason + restartNote(entry));
        }
        return reason == null;
    }

    private List<Map<String, Object>> replicas(Map<String, Object> infrastructure,
                                               Map<String, Map<String, Object>> supervised) {
        List<Map<String, Object>> replicas = new ArrayList<>();
        for (int i = 0; i < targets.replicas().size(); i++) {
            String url = targets.replicas().get(i);
            String name = i < targets.replicaNames().size() ? targets.replicaNames().get(i)
                    : "postgres-replica-" + (i + 1);
            Map<String, Object> replica = new LinkedHashMap<>();
            replica.put("url", url);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("role", "replica");
            entry.put("url", url);
            try {
                DatabaseStatusDao.Replication replication = jdbi(url).withHandle(h -> Daos.attach(h,
                        DatabaseStatusDao.class).replication());
                replica.put("standby", replication.standby());
                replica.put("lagSeconds", replication.lagSeconds());
                entry.put("state", "up");
                entry.put("reason", null);
                entry.put("lagSeconds", replication.lagSeconds());
                if (!replication.standby()) {
                    entry.put("state", "degraded");
                    entry.put("reason", "not a standby (promoted?)");
                } else if (replication.lagSeconds() > targets.maxLag().toSeconds()) {
                    entry.put("state", "degraded");
                    entry.put("reason", String.format("replay lag %.1f s", replication.lagSeconds()));
                }
            } catch (RuntimeException e) {
                String reason = firstLine(e.getCause() instanceof SQLException sql ? sql.getMessage() : e.getMessage());
                replica.put("error", e.getClass().getSimpleName() + ": " + reason);
                entry.put("state", "down");
                entry.put("reason", reason);
            }
            supervision(entry, supervised.get(name));
            infrastructure.put(name, entry);
            if (!entry.get("state").equals("up")) {
                // the query service falls back to the primary: reads go on, slower
                problem(Verdict.DEGRADED, name + " " + entry.get("state") + ": " + entry.get("reason")
                        + restartNote(entry));
            }
            replicas.add(replica);
        }
        return replicas;
    }

    private void s3(Map<String, Object> infrastructure, Map<String, Map<String, Object>> supervised,
                    List<String> notChecked) {
        if (targets.s3Endpoint() == null) {
            notChecked.add("s3 (no endpoint: --s3-endpoint or $MNEMO_S3_ENDPOINT)");
            return;
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("endpoint", targets.s3Endpoint());
        // any HTTP answer (403 to an unsigned request included) shows the store is serving
        String reason = reachable(URI.create(targets.s3Endpoint()), false);
        entry.put("state", reason == null ? "up" : "down");
        entry.put("reason", reason);
        supervision(entry, supervised.get("s3"));
        infrastructure.put("s3", entry);
        if (reason != null) {
            // memories flow on; media uploads and the media sink wait for the store
            problem(Verdict.DEGRADED, "s3 down: " + reason + restartNote(entry));
        }
    }

    /** Null when the URL answers (with a 2xx if {@code needOk}), else why not. */
    private String reachable(URI url, boolean needOk) {
        try {
            int code = http.send(HttpRequest.newBuilder(url).timeout(PROBE_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            return !needOk || code / 100 == 2 ? null : url + " answered " + code;
        } catch (IOException e) {
            return "not answering at " + url;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    // ---- lag

    @SuppressWarnings("unchecked")
    private void lag(Map<String, Object> status, boolean primaryUp) {
        Map<String, Object> client = new LinkedHashMap<>(kafkaClient());
        client.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long now = clock.millis();
        try (Admin admin = Admin.create(kafkaClient());
             var consumer = new KafkaConsumer<byte[], byte[]>(client, new ByteArrayDeserializer(),
                     new ByteArrayDeserializer())) {
            Map<Integer, Long> eventsEnd = endOffsets(consumer, Topics.MEMORY_EVENTS.name());
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                    MemoryChangesTopology.APPLICATION_ID).partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
            Map<Integer, Long> processorLag = new TreeMap<>();
            long oldest = Long.MAX_VALUE;
            for (var partition : eventsEnd.entrySet()) {
                TopicPartition tp = new TopicPartition(Topics.MEMORY_EVENTS.name(), partition.getKey());
                OffsetAndMetadata at = committed.get(tp);
                Pending pending = pendingRecords(consumer, tp, at == null ? 0 : at.offset(), partition.getValue());
                processorLag.put(partition.getKey(), pending.records());
                oldest = Math.min(oldest, pending.oldestTimestamp());
            }
            Map<String, Object> processors = new LinkedHashMap<>();
            processors.put("group", MemoryChangesTopology.APPLICATION_ID);
            processors.put("lag", sum(processorLag));
            processors.put("lagSeconds", seconds(now, oldest));
            processors.put("lagByPartition", processorLag);
            status.put("processors", processors);
            behind("stream processors", seconds(now, oldest));

            Map<String, Object> projections = new LinkedHashMap<>();
            if (primaryUp) {
                Jdbi jdbi = jdbi(targets.primary().url());
                for (var sink : SINKS.entrySet()) {
                    Map<Integer, Long> end = endOffsets(consumer, sink.getValue());
                    Map<Integer, Long> stored = jdbi.withHandle(h -> ProjectionOffsets.load(h, sink.getKey(),
                            sink.getValue()));
                    Map<Integer, Long> lag = new TreeMap<>();
                    long oldestPending = Long.MAX_VALUE;
                    for (var partition : end.entrySet()) {
                        Pending pending = pendingRecords(consumer, new TopicPartition(sink.getValue(),
                                partition.getKey()), stored.getOrDefault(partition.getKey(), 0L), partition.getValue());
                        lag.put(partition.getKey(), pending.records());
                        oldestPending = Math.min(oldestPending, pending.oldestTimestamp());
                    }
                    Map<String, Object> projection = new LinkedHashMap<>();
                    projection.put("topic", sink.getValue());
                    projection.put("lag", sum(lag));
                    projection.put("lagSeconds", seconds(now, oldestPending));
                    projection.put("lagByPartition", lag);
                    projections.put(sink.getKey(), projection);
                    behind("projection " + sink.getKey(), seconds(now, oldestPending));
                }
                // the read-your-writes watermarks: lists wait for memories', searches for both
                for (String gated : List.of(MemoriesProjectionWriter.PROJECTION,
                        MemorySearchProjectionWriter.PROJECTION)) {
                    Map<Integer, Long> applied = jdbi.withHandle(h -> Daos.attach(h, ProjectionWatermarksDao.class)
                            .appliedOffsets(gated, eventsEnd.size()));
                    ((Map<String, Object>) projections.get(gated)).put("appliedWatermark", new TreeMap<>(applied));
                }
            }
            status.put("projections", projections);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            status.put("processors", Map.of("group", MemoryChangesTopology.APPLICATION_ID, "lag", "unknown",
                    "reason", firstLine(String.valueOf(e.getMessage()))));
            status.putIfAbsent("projections", Map.of());
            problem(Verdict.DEGRADED, "lag unknown: " + firstLine(String.valueOf(e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void behind(String what, double seconds) {
        if (seconds > targets.maxLag().toSeconds()) {
            problem(Verdict.DEGRADED, String.format("%s %.1f s behind (more than %d s)", what, seconds,
                    targets.maxLag().toSeconds()));
        }
    }

    private static long sum(Map<Integer, Long> lag) {
        return lag.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Age in seconds of the oldest record not applied yet; 0 when none is pending. */
    private static double seconds(long now, long oldestTimestamp) {
        return oldestTimestamp == Long.MAX_VALUE ? 0 : Math.max(0, now - oldestTimestamp) / 1000.0;
    }

    /**
     * Records still to apply from {@code from} to {@code end}, and the timestamp of the first ({@link Long#MAX_VALUE}
     * when none).
     */
    record Pending(long records, long oldestTimestamp) {
        static final Pending NONE = new Pending(0, Long.MAX_VALUE);
    }

    /** Up to this many offsets behind, a projection's lag is counted record by record (see pendingRecords). */
    static final long EXACT_COUNT_LIMIT = 50_000;

    /**
     * Records a consumer has still to apply between its stored offset and the end of the partition, and the age
     * of the first of them. A sink stores the offset after the last record it applied, but a transactional topic
     * has a commit marker after each transaction, so end minus stored would never read 0 at rest. The records are
     * therefore counted with a read_committed consumer, which skips markers and aborted records, when the gap is
     * small; beyond {@link #EXACT_COUNT_LIMIT} (or if counting takes over 5 s) the gap itself is reported, where
     * the markers' share does not matter, with the first record's timestamp.
     */
    static Pending pendingRecords(Consumer<byte[], byte[]> consumer, TopicPartition partition, long from, long end) {
        if (end <= from) {
            return Pending.NONE;
        }
        consumer.assign(List.of(partition));
        consumer.seek(partition, from);
        long counted = 0;
        long oldest = Long.MAX_VALUE;
        boolean exact = end - from <= EXACT_COUNT_LIMIT;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (consumer.position(partition) < end) {
            if (System.nanoTime() > deadline) {
                return new Pending(end - from, oldest);
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.offset() < end) {
                    counted++;
                    oldest = Math.min(oldest, record.timestamp());
                }
            }
            if (!exact && oldest != Long.MAX_VALUE) {
                return new Pending(end - from, oldest);
            }
        }
        return new Pending(counted, oldest);
    }

    private static Map<Integer, Long> endOffsets(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<Integer, Long> ends = new TreeMap<>();
        consumer.endOffsets(partitions).forEach((tp, end) -> ends.put(tp.partition(), end));
        return ends;
    }

    // ---- maintenance

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

    // ---- supervisor of `mnemo dev`

    /** The processes of a running {@code mnemo dev}'s supervisor by name; none if it is not running. */
    @SuppressWarnings("unchecked")
    private Map<String, Map<String, Object>> supervised() {
        Path file = targets.supervisorFile();
        if (file == null || !Files.isRegularFile(file)) {
            return Map.of();
        }
        try {
            Map<String, Object> state = new ObjectMapper().readValue(file.toFile(), Map.class);
            long pid = ((Number) state.get("supervisorPid")).longValue();
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                return (Map<String, Map<String, Object>>) state.get("processes");
            }
        } catch (IOException | RuntimeException e) {
            // mid-write or from another version: report without restart counts
        }
        return Map.of();
    }

    private static void supervision(Map<String, Object> entry, Map<String, Object> supervised) {
        if (supervised == null) {
            return;
        }
        entry.put("restarts", supervised.get("restarts"));
        entry.put("supervisor", supervised.get("state"));
        if (!"running".equals(supervised.get("state"))) {
            entry.put("lastExit", supervised.get("lastExit"));
            entry.put("log", supervised.get("log"));
        }
    }

    private static String restartNote(Map<String, Object> entry) {
        Object state = entry.get("supervisor");
        if ("restarting".equals(state)) {
            return " (mnemo dev is restarting it, restart " + entry.get("restarts") + ")";
        }
        if ("gave_up".equals(state)) {
            return " (mnemo dev gave up after " + entry.get("restarts") + " restarts; log " + entry.get("log") + ")";
        }
        return "";
    }

    // ---- clients

    private Map<String, Object> kafkaClient() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, targets.bootstrap());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        // one attempt at a dead broker, not the default back-off up to a second between many
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        return KafkaClientSecurity.fromEnvironment().applyTo(config);
    }

    private Connection connect(String url) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", targets.primary().user());
        properties.setProperty("password", targets.primary().password());
        properties.setProperty("connectTimeout", Long.toString(PROBE_TIMEOUT.toSeconds()));
        properties.setProperty("socketTimeout", "30");
        return DriverManager.getConnection(url, properties);
    }

    private Jdbi jdbi(String url) {
        return Jdbi.create(() -> connect(url));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
