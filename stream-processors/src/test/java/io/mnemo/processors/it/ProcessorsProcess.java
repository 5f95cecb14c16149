package io.mnemo.processors.it;

import io.mnemo.devstack.Devstack;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The stream processors in their own JVM, started from the shipped YAML the way {@code mnemo dev} starts them,
 * so a test can SIGKILL one mid-batch (nothing flushed, nothing closed) or run two side by side.
 */
final class ProcessorsProcess {
    private final String name;
    private final Process process;
    private final Path log;
    private final int adminPort;
    private final Path stateDir;

    private ProcessorsProcess(String name, Process process, Path log, int adminPort, Path stateDir) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.adminPort = adminPort;
        this.stateDir = stateDir;
    }

    Path stateDir() {
        return stateDir;
    }

    /** Starts an instance whose Kafka Streams state lives in {@code stateDir} and waits until it is healthy. */
    static ProcessorsProcess start(String name, Devstack devstack, Path stateDir, int standbyReplicas)
            throws IOException, InterruptedException {
        int adminPort = freePort();
        Path log = Files.createDirectories(Path.of("target", "processors-it")).resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Duser.timezone=UTC",
                "-cp", System.getProperty("java.class.path"),
                "io.mnemo.devstack.DieWithParent", "io.mnemo.processors.ProcessorsApplication",
                "server", "stream-processors.yml"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        var pg = devstack.primary();
        var s3 = devstack.s3();
        builder.environment().putAll(Map.ofEntries(
                Map.entry("MNEMO_KAFKA_BOOTSTRAP", devstack.kafkaBootstrap()),
                Map.entry("MNEMO_SCHEMA_REGISTRY_URL", devstack.schemaRegistryUrl()),
                Map.entry("MNEMO_PG_PRIMARY_URL", pg.jdbcUrl()),
                Map.entry("MNEMO_PG_USER", "mnemo_processor"),
                Map.entry("MNEMO_PG_MIGRATION_USER", pg.user()),
                Map.entry("MNEMO_PG_PASSWORD", pg.password() == null ? "" : pg.password()),
                Map.entry("MNEMO_STREAMS_STATE_DIR", stateDir.toString()),
                Map.entry("MNEMO_STREAMS_STANDBY_REPLICAS", Integer.toString(standbyReplicas)),
                Map.entry("MNEMO_ADMIN_PORT", Integer.toString(adminPort)),
                Map.entry("MNEMO_S3_ENDPOINT", s3.endpoint()),
                Map.entry("MNEMO_S3_REGION", s3.region()),
                Map.entry("MNEMO_S3_BUCKET", s3.bucket()),
                Map.entry("MNEMO_S3_ACCESS_KEY", s3.accessKey()),
                Map.entry("MNEMO_S3_SECRET_KEY", s3.secretKey()),
                Map.entry("MNEMO_S3_PATH_STYLE", "true")));
        ProcessorsProcess started = new ProcessorsProcess(name, builder.start(), log, adminPort, stateDir);
        started.awaitHealthy(Duration.ofSeconds(90));
        return started;
    }

    private void awaitHealthy(Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/healthcheck"))
                .timeout(Duration.ofSeconds(3)).GET().build();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        throw new IllegalStateException(name + " not healthy after " + timeout + "; see " + log);
    }

    /** SIGKILL: no shutdown hook, no commit, no transaction abort, no leaving the group. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: Dropwizard stops the sinks and closes Streams, leaving the group. */
    void stop() throws InterruptedException {
        // through the handle: Process.destroy() closes stdin, which DieWithParent takes as the parent's death
        process.toHandle().destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
