package io.mnemo.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.cli.DevCommand;
import io.mnemo.devstack.InfrastructureProcess;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults injected into the platform of {@code mnemo dev} (its own stack, services in their own JVMs) while
 * open-loop producers post memories the way producers are told to (idempotency keys, retrying 429/503 and
 * connection errors with the same key). Each run ends with the ledger compared with what the query service lists:
 * 0 lost, 0 doubled, 0 stale. The size here keeps {@code ./mvnw verify} short; {@code bench/run-chaos} runs the
 * same faults longer and bigger.
 */
class ChaosIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double RATE = Double.parseDouble(System.getProperty("mnemo.chaos.rate", "30"));
    private static final Duration LOAD = Duration.ofSeconds(Long.getLong("mnemo.chaos.seconds", 40));

    private static Path dataDir;
    private static DevCommand.Platform platform;
    private static JsonNode env;

    @BeforeAll
    static void startPlatform() throws Exception {
        dataDir = Files.createTempDirectory("mnemo-chaos").resolve("dev");
        PrintWriter console = new PrintWriter(Files.newBufferedWriter(dataDir.getParent().resolve("console.txt")),
                true);
        platform = DevCommand.launch(dataDir, 4, console);
        env = JSON.readTree(platform.envFile().toFile());
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (platform != null) {
            platform.close();
        }
        if (dataDir != null) {
            // the services' logs outlive the run, for a failure's post-mortem
            Path kept = Path.of("target", "chaos-logs");
            Files.createDirectories(kept);
            try (Stream<Path> logs = Files.list(dataDir.resolve("logs"))) {
                for (Path log : logs.toList()) {
                    Files.copy(log, kept.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.copy(dataDir.getParent().resolve("console.txt"), kept.resolve("console.txt"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            try (Stream<Path> files = Files.walk(dataDir.getParent())) {
                files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
        }
    }

    private static LedgerLoad load(String name, Ledger ledger) {
        String run = name + "-" + UUID.randomUUID().toString().substring(0, 6);
        return new LedgerLoad(URI.create(env.get("ingestUrl").asText()), env.get("apiKey").asText(), run, 8, 10,
                Duration.ofSeconds(120), ledger);
    }

    /** Runs the load in the background while {@code faults} runs, then checks the ledger. */
    private static LedgerCheck.Result underLoad(LedgerLoad load, Ledger ledger, Fault faults) throws Exception {
        return underLoad(load.userId(0).replaceAll("-[0-9a-f]{6}-u0$", ""), LOAD, load, ledger, faults);
    }

    /**
     * Runs the load for {@code duration} in the background while {@code faults} runs, measures the recovery from the
     * moment {@code faults} returns (the fault repaired), checks the ledger and reports the fault's line of the
     * reliability table ({@link ChaosReport}).
     */
    private static LedgerCheck.Result underLoad(String fault, Duration duration, LedgerLoad load, Ledger ledger,
                                                Fault faults) throws Exception {
        CompletableFuture<Void> producers = CompletableFuture.runAsync(() -> {
            try {
                load.run(RATE, duration);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        LedgerCheck check = new LedgerCheck(URI.create(env.get("queryUrl").asText()), env.get("apiKey").asText());
        long started = System.nanoTime();
        faults.inject(started);
        RecoveryWatch recovery = RecoveryWatch.fromNow(check, ledger, load.userIds(), duration.plusSeconds(180));
        producers.get(duration.toSeconds() + 180, TimeUnit.SECONDS);
        LedgerCheck.Result result = check.awaitClean(ledger, load.userIds(), Duration.ofSeconds(120));
        System.out.printf("chaos %s: %s; answers %s, connection failures %d, gave up %d%n",
                load.userId(0), result, ledger.answersByStatus(), ledger.connectionFailures(), ledger.gaveUpCount());
        ChaosReport.record(ChaosReport.line(fault, "single node", RATE, duration, ledger, result,
                recovery.await(Duration.ofSeconds(60))));
        Reconciliation.Result reconciled = Reconciliation.awaitClean(platform.envFile(), Duration.ofSeconds(60));
        assertThat(reconciled.clean()).as("mnemo reconcile: " + reconciled.output()).isTrue();
        return result;
    }

    @FunctionalInterface
    private interface Fault {
        void inject(long loadStartedNanos) throws Exception;
    }

    private static void at(long started, double fraction) throws InterruptedException {
        at(started, LOAD, fraction);
    }

    private static void at(long started, Duration load, double fraction) throws InterruptedException {
        long due = started + (long) (load.toNanos() * fraction);
        long wait = due - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /** SIGKILL, as a crash would, and wait until the process is gone. */
    private static void kill9(ProcessHandle process) throws Exception {
        process.destroyForcibly();
        process.onExit().get(10, TimeUnit.SECONDS);
    }

    private static InfrastructureProcess infrastructure(String name) {
        return platform.devstack().infrastructure().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow();
    }

    private static void assertNothingLostDoubledOrStale(Ledger ledger, LedgerCheck.Result result) {
        assertThat(result.clean()).as(result.toString()).isTrue();
        assertThat(ledger.accepted()).isNotEmpty();
        assertThat(ledger.gaveUpCount()).as("every memory is accepted in the end").isZero();
        assertThat(ledger.missingRetryAfterCount()).as("every 429/503 says when to retry").isZero();
        assertThat(ledger.answersByStatus().keySet()).as("only 2xx, 429 and 503")
                .allMatch(status -> status / 100 == 2 || status == 429 || status == 503);
    }

    @Test
    void aStreamProcessorKilledThreeTimesLosesAndDoublesNothing() throws Exception {
        Ledger ledger = new Ledger();
        LedgerCheck.Result result = underLoad("stream processors kill -9 ×3 (at 20, 45, 70 % of the load)", LOAD,
                load("processors", ledger), ledger, started -> {
            for (double when : new double[] {0.2, 0.45, 0.7}) {
                at(started, when);
                kill9(platform.process("processors"));
                platform.restart("processors");
            }
        });

        assertNothingLostDoubledOrStale(ledger, result);
        assertThat(ledger.errors()).as("ingest does not need the processors").isZero();
    }

    @Test
    void withThePostgresPrimaryDownIngestKeepsAnswering2xxAndTheBacklogDrainsAfter() throws Exception {
        Ledger ledger = new Ledger();
        InfrastructureProcess primary = infrastructure("postgres-primary");
        // 2 minutes down in the long form (bench/run-chaos: mnemo.chaos.pgdown.seconds=200)
        Duration duration = Duration.ofSeconds(Long.getLong("mnemo.chaos.pgdown.seconds", LOAD.toSeconds()));
        LedgerCheck.Result result = underLoad(String.format("Postgres primary kill -9, down %d s",
                        duration.multipliedBy(6).dividedBy(10).toSeconds()), duration, load("pgdown", ledger), ledger,
                started -> {
            at(started, duration, 0.2);
            kill9(ProcessHandle.of(primary.pid()).orElseThrow());
            at(started, duration, 0.8);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .until(() -> {
                        primary.restart();
                        return primary.isRunning();
                    });
        });

        assertNothingLostDoubledOrStale(ledger, result);
        assertThat(ledger.errors()).as("keys are cached; Kafka is the only dependency of a write").isZero();
    }

    @Test
    void withS3DownMemoryWritesAreUnaffectedMediaIs503UntilItReturnsAndThenPromoted() throws Exception {
        Ledger ledger = new Ledger();
        InfrastructureProcess s3 = infrastructure("s3");
        String user = "s3down-" + UUID.randomUUID().toString().substring(0, 6);
        String staged = upload(user, 201).get("mediaId").asText();
        String key = UUID.randomUUID().toString();
        LedgerCheck.Result result = underLoad("S3 kill -9, down from 20 to 70 % of the load", LOAD,
                load("s3down", ledger), ledger, started -> {
            at(started, 0.2);
            kill9(ProcessHandle.of(s3.pid()).orElseThrow());
            HttpResponse<String> refused = uploadResponse(user);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            // a memory that references media needs the store to confirm it: 503, retried with the same key
            HttpResponse<String> unconfirmed = captureWithMedia(user, staged, key);
            assertThat(unconfirmed.statusCode()).as(unconfirmed.body()).isEqualTo(503);
            assertThat(unconfirmed.headers().firstValue("Retry-After")).isPresent();
            at(started, 0.7);
            s3.restart();
        });

        assertNothingLostDoubledOrStale(ledger, result);
        assertThat(ledger.errors()).as("memories without media do not touch S3").isZero();
        upload(user, 201);
        HttpResponse<String> accepted = captureWithMedia(user, staged, key);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String memoryId = JSON.readTree(accepted.body()).get("memoryId").asText();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonNode memory = get("/v1/users/" + user + "/memories/" + memoryId);
            assertThat(memory.path("media").toString()).contains(staged);
        });
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static HttpResponse<String> uploadResponse(String user) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(env.get("ingestUrl").asText() + "/v1/users/" + user
                        + "/media")).header("Authorization", "Bearer " + env.get("apiKey").asText())
                .header("Content-Type", "text/plain").header("Idempotency-Key", UUID.randomUUID().toString())
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(UUID.randomUUID().toString().getBytes())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode upload(String user, int expected) throws Exception {
        HttpResponse<String> response = uploadResponse(user);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expected);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> captureWithMedia(String user, String mediaId, String key) throws Exception {
        String body = JSON.createObjectNode().put("occurredAt", "2026-11-02T10:00:00Z").put("content", "with media")
                .set("mediaIds", JSON.createArrayNode().add(mediaId)).toString();
        return HTTP.send(HttpRequest.newBuilder(URI.create(env.get("ingestUrl").asText()
                        + "/v1/users/" + user + "/memories")).header("Authorization", "Bearer "
                        + env.get("apiKey").asText()).header("Content-Type", "application/json")
                .header("Idempotency-Key", key).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(env.get("queryUrl").asText()
                        + path)).header("Authorization", "Bearer " + env.get("apiKey").asText())
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
