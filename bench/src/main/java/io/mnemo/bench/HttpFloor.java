package io.mnemo.bench;

import io.mnemo.bench.floor.HttpFloorApplication;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The ingest bench's HTTP floor ({@link HttpFloorApplication}) in a child JVM with the services' heap flags (as
 * {@code mnemo dev} starts them), optionally pinned to cores with {@code taskset}; stopped on close.
 */
final class HttpFloor implements AutoCloseable {
    /** The JVM options {@code mnemo dev} gives every service (DevCommand). */
    static final List<String> SERVICE_JVM = List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-Duser.timezone=UTC");

    private final Process process;
    private final String url;
    private final Path log;

    private HttpFloor(Process process, String url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    static HttpFloor start(BenchEnvironment env, String topic, int recordSize, String cpus) throws Exception {
        int port = freePort();
        int admin = freePort();
        List<String> command = new ArrayList<>();
        if (cpus != null) {
            command.addAll(List.of("taskset", "-c", cpus));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(SERVICE_JVM);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), HttpFloorApplication.class.getName(),
                "server", "http-floor.yml"));
        Path log = Files.createTempFile("mnemo-http-floor", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("MNEMO_KAFKA_BOOTSTRAP", env.kafkaBootstrap());
        builder.environment().put("MNEMO_FLOOR_TOPIC", topic);
        builder.environment().put("MNEMO_FLOOR_RECORD_SIZE", Integer.toString(recordSize));
        builder.environment().put("MNEMO_HTTP_PORT", Integer.toString(port));
        builder.environment().put("MNEMO_ADMIN_PORT", Integer.toString(admin));
        HttpFloor floor = new HttpFloor(builder.start(), "http://127.0.0.1:" + port, log);
        floor.awaitUp(URI.create("http://127.0.0.1:" + admin + "/ping"), Duration.ofSeconds(90));
        System.out.printf("  HTTP floor at %s (pid %d, log %s)%n", floor.url, floor.process.pid(), log);
        return floor;
    }

    long pid() {
        return process.pid();
    }

    String url() {
        return url;
    }

    private void awaitUp(URI ping, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the HTTP floor exited at start:\n" + Files.readString(log));
            }
            try {
                if (http.send(HttpRequest.newBuilder(ping).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        close();
        throw new IllegalStateException("the HTTP floor did not start within " + timeout + "; see " + log);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
