package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;

/**
 * {@code mnemo dev} as a developer runs it (its own JVM, its own stack under a temporary data directory) with
 * {@code mnemo status} watching: at rest every lag reads 0; each service killed with SIGKILL is named as down by
 * status within 5 s, restarted by the dev runner within 30 s, and every memory accepted before and during its
 * outage reaches the projections exactly once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DevSupervisionIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final String USER = "supervised-" + UUID.randomUUID().toString().substring(0, 8);

    private static Path dataDir;
    private static Path console;
    private static Process dev;
    private static JsonNode env;
    /** Idempotency key to memory id of every 2xx. */
    private static final Map<String, String> accepted = new LinkedHashMap<>();

    @BeforeAll
    static void startDev() throws Exception {
        dataDir = Files.createTempDirectory("mnemo-dev-supervision").resolve("dev");
        console = dataDir.resolveSibling("console.txt");
        dev = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), MnemoCli.class.getName(), "dev",
                "--data-dir", dataDir.toString(), "--partitions", "4", "--max-restarts", "2")
                .redirectErrorStream(true).redirectOutput(console.toFile()).start();
        Path envFile = dataDir.resolve("dev-env.json");
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500))
                .failFast(() -> !dev.isAlive())
                .until(() -> Files.isRegularFile(envFile) && Files.isRegularFile(dataDir.resolve(Supervisor.STATE_FILE)));
        env = JSON.readTree(envFile.toFile());
    }

    @AfterAll
    static void stopDev() throws Exception {
        if (dev == null) {
            return;
        }
        dev.toHandle().destroy();
        boolean exited = dev.waitFor(90, TimeUnit.SECONDS);
        if (!exited) {
            dev.destroyForcibly();
        }
        assertThat(exited).as("mnemo dev stops on SIGTERM; console:\n" + consoleText()).isTrue();
        assertThat(consoleText()).contains("Stopped.").doesNotContain("Could not stop");
        try (var files = Files.walk(dataDir.getParent())) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        }
    }

    @Test
    @Order(1)
    void atRestAfterABurstEveryProjectionShowsNoLagInRecordsOrSeconds() throws Exception {
        for (int i = 0; i < 30; i++) {
            capture("burst-" + i);
        }
        awaitProjected();

        Status status = status();
        assertThat(status.exit()).as(status.output()).isZero();
        JsonNode report = status.json();
        assertThat(report.get("healthy").asBoolean()).isTrue();
        assertThat(report.get("reasons")).isEmpty();
        for (String service : List.of("ingest", "query", "processors")) {
            assertThat(report.at("/services/" + service + "/state").asText()).isEqualTo("up");
        }
        for (String infra : List.of("kafka", "schema-registry", "postgres-primary", "postgres-replica-1", "s3")) {
            assertThat(report.at("/infrastructure/" + infra + "/state").asText()).as(infra).isEqualTo("up");
        }
        assertThat(report.at("/streams/state").asText()).isEqualTo("RUNNING");
        assertThat(report.at("/processors/lag").asLong()).isZero();
        assertThat(report.at("/processors/lagSeconds").asDouble()).isZero();
        assertThat(report.get("projections")).hasSize(4);
        report.get("projections").forEach(projection -> {
            assertThat(projection.get("lag").asLong()).as(projection.toString()).isZero();
            assertThat(projection.get("lagSeconds").asDouble()).as(projection.toString()).isZero();
        });
    }

    @Test
    @Order(2)
    void eachServiceKilledIsNamedDownAtOnceRestartedAndNothingItAcceptedIsLostOrDoubled() throws Exception {
        for (String service : List.of("processors", "query", "ingest")) {
            long pid = supervised(service).get("pid").asLong();
            capture("before-" + service);
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            long killed = System.nanoTime();

            Status down = status();
            assertThat(down.exit()).as(down.output()).isEqualTo(1);
            assertThat(down.json().at("/services/" + service + "/state").asText()).isEqualTo("down");
            assertThat(down.json().get("reasons").toString()).contains(service + " down");
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("status names it within 5 s")
                    .isLessThan(Duration.ofSeconds(5));
            assertThat(consoleText()).contains(service + " exited (signal 9); restarting in 1 s, restart 1 of 2");

            // accepted during the outage (ingest: retried with the same key until it is back, as producers do)
            capture("during-" + service);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> supervised(service).get("state").asText().equals("running")
                            && supervised(service).get("pid").asLong() != pid);
            assertThat(supervised(service).get("restarts").asInt()).isEqualTo(1);
            assertThat(consoleText()).contains(service + " is back (pid ");

            awaitProjected();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> status().exit() == 0);
            Status healthy = status();
            assertThat(healthy.json().at("/services/" + service + "/restarts").asInt()).isEqualTo(1);
        }
    }

    @Test
    @Order(3)
    void aKilledPostgresPrimaryIsRestartedAndTheServicesRecoverWithoutARestartOfTheirOwn() throws Exception {
        long pid = supervised("postgres-primary").get("pid").asLong();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(5)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                .orElse(false));

        Status down = status();
        assertThat(down.exit()).as(down.output()).isEqualTo(1);
        assertThat(down.json().get("verdict").asText()).isEqualTo("down");
        assertThat(down.json().get("reasons").get(0).asText()).startsWith("postgres-primary (primary) down");
        // ingest needs only Kafka (and its cached keys): producers are still answered 2xx
        capture("during-postgres");

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> supervised("postgres-primary").get("state").asText().equals("running"));
        assertThat(consoleText()).contains("postgres-primary exited (postmaster gone); restarting in 1 s");
        awaitProjected();
        // every service's pool drops the connections the restart broke: healthy again without a restart of its
        // own (the one restart each is the previous test's)
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> status().exit() == 0);
        for (String service : List.of("ingest", "query", "processors")) {
            assertThat(supervised(service).get("restarts").asInt()).as(service).isEqualTo(1);
        }
    }

    /**
     * The supervised failover: {@code mnemo db promote} asks the running {@code mnemo dev} to promote its replica,
     * which fences (stops) the old primary; the supervisor starts the old primary again and the devstack brings it
     * back as a re-cloned standby of the new primary. The services follow with the URLs they started with.
     */
    @Test
    @Order(4)
    void aPromotedReplicaTakesOverAndTheSupervisorBringsTheOldPrimaryBackAsItsStandby() throws Exception {
        capture("before-promotion");
        awaitProjected();
        String oldPrimaryUrl = env.at("/postgres/primary").asText();
        String replicaUrl = env.at("/postgres/replicas/0").asText();
        long oldPrimaryPid = supervised("postgres-primary").get("pid").asLong();
        Path envFile = dataDir.resolve("dev-env.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new MnemoCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        int exit = cli.execute("db", "promote", "--replica", "1", "--env-file", envFile.toString());

        assertThat(exit).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("mnemo dev promoted");
        env = JSON.readTree(envFile.toFile());
        assertThat(env.at("/postgres/primary").asText()).isEqualTo(replicaUrl);
        assertThat(env.at("/postgres/replicas/0").asText()).isEqualTo(oldPrimaryUrl);
        // nobody restarts it by hand: the supervisor does, and it comes back as a standby of the new primary
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(supervised("postgres-primary").get("pid").asLong()).isNotEqualTo(oldPrimaryPid);
                    assertThat(scalar(oldPrimaryUrl, "SELECT pg_is_in_recovery()::text")).isEqualTo("true");
                    assertThat(scalar(replicaUrl, "SELECT count(*)::text FROM pg_stat_replication "
                            + "WHERE state = 'streaming'")).isEqualTo("1");
                });
        assertThat(scalar(replicaUrl, "SELECT pg_is_in_recovery()::text")).isEqualTo("false");

        capture("after-promotion");
        awaitProjected();
        assertThat(scalar(oldPrimaryUrl, "SELECT count(*)::text FROM memories WHERE user_id = '" + USER + "'"))
                .as("the rejoined standby has every memory").isEqualTo(Integer.toString(accepted.size()));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> status().exit() == 0);
        Status status = status();
        assertThat(status.json().at("/infrastructure/postgres-replica-1/role").asText()).isEqualTo("primary");
        assertThat(status.json().at("/infrastructure/postgres-primary/role").asText()).isEqualTo("replica");
        assertThat(status.json().at("/infrastructure/postgres-primary/state").asText()).isEqualTo("up");
        for (String service : List.of("ingest", "query", "processors")) {
            assertThat(supervised(service).get("restarts").asInt()).as(service + " was not restarted for it")
                    .isEqualTo(1);
        }
    }

    @Test
    @Order(5)
    void aServiceThatCrashesOnEveryStartIsLeftDownWithItsLogWhileTheRestKeepsRunning() throws Exception {
        long pid = supervised("query").get("pid").asLong();
        int adminPort = URI.create(env.at("/adminUrls/query").asText()).getPort();
        long ingestPid = supervised("ingest").get("pid").asLong();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(5)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                .orElse(false));
        // its admin port taken: every start of the query service fails to bind and exits
        try (java.net.ServerSocket squatter = new java.net.ServerSocket()) {
            squatter.setReuseAddress(true);
            squatter.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), adminPort));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> supervised("query").get("state").asText().equals("gave_up"));
        }

        Path log = dataDir.resolve("logs").resolve("query.log");
        assertThat(consoleText()).contains("query exited (exit code 1) after 2 restarts in a row; leaving it down. "
                + "Its log: " + log);
        assertThat(Files.readString(log)).as("the log it points to says why").contains(Integer.toString(adminPort));
        Status status = status();
        assertThat(status.exit()).isEqualTo(1);
        assertThat(status.json().at("/services/query/state").asText()).isEqualTo("down");
        assertThat(status.json().at("/services/query/supervisor").asText()).isEqualTo("gave_up");
        assertThat(status.json().at("/services/query/log").asText()).isEqualTo(log.toString());
        assertThat(status.json().at("/services/ingest/state").asText()).isEqualTo("up");
        assertThat(status.json().at("/services/processors/state").asText()).isEqualTo("up");
        assertThat(supervised("ingest").get("pid").asLong()).as("the rest keeps running").isEqualTo(ingestPid);
        capture("after-query-gave-up");
        awaitProjected();
    }

    /** Posts one memory, retrying connection errors, 429 and 503 with the same key until it is accepted. */
    private static void capture(String key) throws Exception {
        String body = "{\"occurredAt\":\"2026-11-01T09:30:00Z\",\"content\":\"" + key + "\",\"tags\":[\"sv\"]}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(env.get("ingestUrl").asText() + "/v1/users/" + USER
                        + "/memories"))
                .header("Authorization", "Bearer " + env.get("apiKey").asText())
                .header("Content-Type", "application/json").header("Idempotency-Key", key)
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 == 2) {
                    accepted.put(key, JSON.readTree(response.body()).get("memoryId").asText());
                    return;
                }
                assertThat(response.statusCode()).as(response.body()).isIn(429, 503);
            } catch (IOException e) {
                // not answering (being restarted): retry with the same key
            }
            assertThat(System.nanoTime()).as("accepted within 60 s: " + key).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    /** Every accepted memory once in the memories projection, and counted once in the activity projection. */
    private static void awaitProjected() {
        Jdbi primary = Jdbi.create(env.at("/postgres/primary").asText(), env.at("/postgres/user").asText(),
                env.at("/postgres/password").asText());
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            List<String> ids = primary.withHandle(h -> h.createQuery("SELECT memory_id::text FROM memories "
                    + "WHERE tenant_id = :t AND user_id = :u").bind("t", DevCommand.TENANT).bind("u", USER)
                    .mapTo(String.class).list());
            assertThat(ids).hasSize(accepted.size());
            assertThat(Set.copyOf(ids)).isEqualTo(Set.copyOf(accepted.values()));
            long counted = primary.withHandle(h -> h.createQuery("SELECT coalesce(sum(memories), 0) "
                    + "FROM user_activity_daily WHERE tenant_id = :t AND user_id = :u")
                    .bind("t", DevCommand.TENANT).bind("u", USER).mapTo(Long.class).one());
            assertThat(counted).isEqualTo(accepted.size());
        });
    }

    private static String scalar(String jdbcUrl, String sql) {
        return Jdbi.create(jdbcUrl, env.at("/postgres/user").asText(), env.at("/postgres/password").asText())
                .withHandle(h -> h.createQuery(sql).mapTo(String.class).one());
    }

    private static JsonNode supervised(String name) throws IOException {
        return JSON.readTree(dataDir.resolve(Supervisor.STATE_FILE).toFile()).path("processes").path(name);
    }

    record Status(int exit, String output) {
        JsonNode json() throws IOException {
            return JSON.readTree(output);
        }
    }

    private static Status status() throws IOException {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new MnemoCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        String envFile = dataDir.resolve("dev-env.json").toString();
        int exit = cli.execute("status", "--json", "--env-file", envFile, "--kafka-env-file", envFile);
        return new Status(exit, out.toString());
    }

    private static String consoleText() {
        try {
            return Files.readString(console, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no console: " + e + ")";
        }
    }
}
