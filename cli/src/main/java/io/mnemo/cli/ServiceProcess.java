package io.mnemo.cli;

import io.mnemo.devstack.ChildJvm;
import io.mnemo.devstack.ClassDataSharing;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One Mnemo service running in its own JVM, as it would in production: started with the service's shipped
 * YAML and its endpoints in environment variables, logging to a file, and halted if the CLI dies.
 */
final class ServiceProcess implements Supervisor.Component {
    private final String name;
    private final String mainClass;
    private final String configResource;
    private final List<String> jvmOptions;
    private final Map<String, String> environment;
    private final URI adminUrl;
    private final Path log;
    private volatile Process process;

    private ServiceProcess(String name, String mainClass, String configResource, List<String> jvmOptions,
                           Map<String, String> environment, int adminPort, Path log) {
        this.name = name;
        this.mainClass = mainClass;
        this.configResource = configResource;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.environment = Map.copyOf(environment);
        this.adminUrl = URI.create("http://127.0.0.1:" + adminPort);
        this.log = log;
    }

    static ServiceProcess start(String name, String mainClass, String configResource, List<String> jvmOptions,
                                Map<String, String> environment, int adminPort, Path logDir) throws IOException {
        Files.createDirectories(logDir);
        ServiceProcess service = new ServiceProcess(name, mainClass, configResource, jvmOptions, environment,
                adminPort, logDir.resolve(name + ".log"));
        service.process = service.launch();
        return service;
    }

    /** A new JVM for the service, with the same command, environment and ports as every launch before. */
    private Process launch() throws IOException {
        String classpath = serviceClasspath();
        ClassDataSharing.Launch sharing = ClassDataSharing.fromEnvironment().launch(name, jvmOptions, classpath);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(sharing.jvmOptions());
        command.add("-cp");
        command.add(classpath);
        // DieWithParent halts the service when our stdin pipe to it closes, i.e. when this CLI dies.
        command.add("io.mnemo.devstack.DieWithParent");
        command.add(mainClass);
        command.add("server");
        command.add(configResource);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        Process started = builder.start();
        sharing.watch(started);
        return started;
    }

    /**
     * Starts the service again after its JVM exited (same ports, same log, appended) and waits until it is healthy.
     * The new process is this service's from the moment it is launched, so a stop during the wait stops it.
     */
    @Override
    public synchronized void restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            return;
        }
        process = launch();
        awaitHealthy(Duration.ofSeconds(120));
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public String exitDescription() {
        return ChildJvm.describeExit(process);
    }

    /**
     * This JVM's classpath without the CLI's own classes, which no service uses: run by {@code ./mnemo} they are a
     * directory ({@code cli/target/classes}), and the JDK cannot archive for class data sharing a classpath with a
     * directory on it.
     */
    static String serviceClasspath() {
        String own;
        try {
            own = Path.of(ServiceProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (URISyntaxException | RuntimeException e) {
            return System.getProperty("java.class.path");
        }
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty() && !Path.of(entry).toAbsolutePath().normalize().toString()
                        .equals(Path.of(own).toAbsolutePath().normalize().toString()))
                .collect(Collectors.joining(File.pathSeparator));
    }

    @Override
    public String name() {
        return name;
    }

    URI adminUrl() {
        return adminUrl;
    }

    @Override
    public Path log() {
        return log;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    /** Waits until the admin health check answers 200, failing early if the process exits. */
    void awaitHealthy(Duration timeout) throws InterruptedException {
        Process process = this.process;
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
            // a short interval: each poll is a loopback request, and every 100 ms saved here is start-up time
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new IllegalStateException(name + " not healthy after " + timeout + "; see " + log);
    }

    /** SIGTERM (Dropwizard stops gracefully), then SIGKILL if it has not gone within the grace period. */
    void stop(Duration grace) throws InterruptedException {
        Process process = this.process;
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
