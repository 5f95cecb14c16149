package io.mnemo.cli;

import java.io.IOException;
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
 * One Mnemo service running in its own JVM, as it would in production: started with the service's shipped
 * YAML and its endpoints in environment variables, logging to a file, and halted if the CLI dies.
 */
final class ServiceProcess {
    private final String name;
    private final Process process;
    private final URI adminUrl;
    private final Path log;

    private ServiceProcess(String name, Process process, URI adminUrl, Path log) {
        this.name = name;
        this.process = process;
        this.adminUrl = adminUrl;
        this.log = log;
    }

    static ServiceProcess start(String name, String mainClass, String configResource, List<String> jvmOptions,
                                Map<String, String> environment, int adminPort, Path logDir) throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        // DieWithParent halts the service when our stdin pipe to it closes, i.e. when this CLI dies.
        command.add("io.mnemo.devstack.DieWithParent");
        command.add(mainClass);
        command.add("server");
        command.add(configResource);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        return new ServiceProcess(name, builder.start(), URI.create("http://127.0.0.1:" + adminPort), log);
    }

    String name() {
        return name;
    }

    URI adminUrl() {
        return adminUrl;
    }

    Path log() {
        return log;
    }

    long pid() {
        return process.pid();
    }

    /** Waits until the admin health check answers 200, failing early if the process exits. */
    void awaitHealthy(Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest request = HttpRequest.newBuilder(adminUrl.resolve("/healthcheck"))
                .timeout(Duration.ofSeconds(3)).GET().build();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue() + "; see " + log);
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

    /** SIGTERM (Dropwizard stops gracefully), then SIGKILL if it has not gone within the grace period. */
    void stop(Duration grace) throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        // SIGTERM through the handle: Process.destroy() would also close the stdin pipe, which DieWithParent
        // takes as "the CLI died" and answers with an immediate exit instead of Dropwizard's graceful stop.
        process.toHandle().destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
