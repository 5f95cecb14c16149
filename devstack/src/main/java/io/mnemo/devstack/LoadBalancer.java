package io.mnemo.devstack;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real HTTP load balancer (HAProxy from the Debian package, installed by {@code devstack/bin/ensure-debian-package}
 * when missing) in front of several instances of one service, as {@code mnemo dev --ha} runs them: it listens on
 * 127.0.0.1, health-checks every instance on its admin port's {@code GET /healthcheck}, and fails over without the
 * clients noticing when an instance dies.
 *
 * <p>Why HAProxy and not nginx: open source nginx has only passive checks ({@code max_fails}/{@code fail_timeout}),
 * so it learns that an instance is unhealthy only by sending it client requests, and it cannot probe a port other
 * than the one it proxies to, while a Dropwizard service reports its health on its admin port. HAProxy checks each
 * instance actively on that port ({@code check port <admin>}), so an instance whose health check fails (a lost
 * database, a stuck consumer) leaves the rotation while it still accepts connections; and it reacts passively to a
 * refused connection too. Debian also starts nginx's packaged service on port 80 when it installs it.
 *
 * <p>Settings (forced, not configurable): a check every second, down after 2 failures, up after 1 success; a refused
 * or timed-out connection (1 s) marks the instance down at once and the request is retried on another instance
 * (twice at most). Only failed connections are retried: a request that reached an instance is never replayed, so a
 * POST is not applied twice. Client and server timeouts are 60 s, for uploads.
 *
 * <p>HAProxy runs in the foreground ({@code haproxy -db}), as a child of this JVM, not as a system service; a tiny
 * reaper shell stops it when this JVM dies, even by SIGKILL, so no orphan holds the port.
 */
public final class LoadBalancer implements InfrastructureProcess, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LoadBalancer.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final String HOST = "127.0.0.1";

    /**
     * One instance behind the balancer.
     *
     * @param name      names it in the balancer's log and configuration ({@code ingest-1})
     * @param host      where its application and admin ports listen
     * @param port      the application port, where requests go
     * @param adminPort the admin port, whose {@code GET /healthcheck} answers 200 when the instance is healthy
     */
    public record Backend(String name, String host, int port, int adminPort) {
        public Backend {
            requireName(name, "backend name");
            Objects.requireNonNull(host, "host");
            if (!host.matches("[A-Za-z0-9.:-]+")) {
                throw new IllegalArgumentException("not a host name or address: " + host);
            }
            requirePort(port);
            requirePort(adminPort);
        }

        /** An instance on 127.0.0.1. */
        public static Backend local(String name, int port, int adminPort) {
            return new Backend(name, HOST, port, adminPort);
        }
    }

    private final String name;
    private final int port;
    private final List<Backend> backends;
    private final Path configFile;
    private final Path pidFile;
    private final Path logFile;
    private Process process;
    private Process reaper;

    /**
     * A balancer that keeps its configuration and pid file in {@code workDir} and appends HAProxy's output (its
     * log, health state changes and one line per request) to {@code logFile}; nothing runs before {@link #start()}.
     */
    public LoadBalancer(String name, int port, List<Backend> backends, Path workDir, Path logFile) {
        this.name = requireName(name, "load balancer name");
        this.port = requirePort(port);
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("a load balancer needs at least one backend");
        }
        if (backends.stream().map(Backend::name).distinct().count() != backends.size()) {
            throw new IllegalArgumentException("backend names must differ: " + backends);
        }
        this.backends = List.copyOf(backends);
        Path dir = workDir.toAbsolutePath().normalize();
        this.configFile = dir.resolve("haproxy.cfg");
        this.pidFile = dir.resolve("haproxy.pid");
        this.logFile = logFile.toAbsolutePath().normalize();
    }

    /**
     * A balancer of the stack with these options: configuration under {@code <dataDir>/load-balancers/<name>}, log
     * in {@code <dataDir>/logs/<name>.log}, next to the other processes' logs.
     */
    public static LoadBalancer of(DevstackOptions options, String name, int port, List<Backend> backends) {
        requireName(name, "load balancer name");
        return new LoadBalancer(name, port, backends, options.dataDir().resolve("load-balancers").resolve(name),
                options.dataDir().resolve("logs").resolve(name + ".log"));
    }

    /** Where clients send requests: {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://" + HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public List<Backend> backends() {
        return backends;
    }

    /** The generated HAProxy configuration. */
    public Path configFile() {
        return configFile;
    }

    /**
     * Installs HAProxy if it is missing, writes the configuration, starts HAProxy and waits until it accepts
     * connections. An orphan of a previous run (its JVM and reaper killed together) is stopped first.
     *
     * @throws IllegalStateException when HAProxy cannot be installed (with the one command to run) or does not start
     *                               (with the last lines of its log)
     */
    public synchronized void start() throws IOException, InterruptedException {
        if (isRunning()) {
            return;
        }
        Path haproxy = DebianPackages.ensureExecutable("haproxy", "haproxy");
        Files.createDirectories(configFile.getParent());
        Files.createDirectories(logFile.getParent());
        stopOrphan();
        Files.writeString(configFile, config(name, HOST, port, backends), StandardCharsets.UTF_8);
        stopReaper();
        process = new ProcessBuilder(haproxy.toString(), "-db", "-f", configFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        reaper = startReaper(process.pid());
        // HAProxy writes no pid file in the foreground (-p is ignored with -db)
        Files.writeString(pidFile, process.pid() + "\n", StandardCharsets.UTF_8);
        try {
            awaitListening();
        } catch (RuntimeException | InterruptedException e) {
            stop();
            throw e;
        }
        LOG.info("load balancer {} on {} (HAProxy pid {}) in front of {}; log {}", name, url(), process.pid(),
                backends.stream().map(b -> b.name() + "=" + b.host() + ":" + b.port()).toList(), logFile);
    }

    /** Stops HAProxy (open connections are closed) and its reaper; does nothing when it is not running. */
    public synchronized void stop() {
        try {
            if (process != null && process.isAlive()) {
                process.toHandle().destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopReaper();
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException e) {
                LOG.debug("cannot delete {}", pidFile, e);
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Starts HAProxy again after it died, on the same port and configuration. */
    public synchronized void restartAfterCrash() throws IOException, InterruptedException {
        if (isRunning()) {
            return;
        }
        stopReaper();
        start();
    }

    @Override
    public void restart() throws Exception {
        restartAfterCrash();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public synchronized String exitDescription() {
        return ChildJvm.describeExit(process);
    }

    @Override
    public Path log() {
        return logFile;
    }

    @Override
    public synchronized long pid() {
        return isRunning() ? process.pid() : -1;
    }

    /** HAProxy's configuration for these backends; see the class comment for what each setting is for. */
    static String config(String name, String host, int port, List<Backend> backends) {
        StringBuilder config = new StringBuilder();
        config.append("# generated by io.mnemo.devstack.LoadBalancer; rewritten on every start\n")
                .append("global\n")
                // stdout is the log file: no syslog daemon needed
                .append("    log stdout format iso local0 info\n")
                .append("    maxconn 4096\n")
                // a development machine's cores are shared with the services, Kafka and Postgres
                .append("    nbthread 1\n")
                .append("\n")
                .append("defaults\n")
                .append("    mode http\n")
                .append("    log global\n")
                .append("    option httplog\n")
                .append("    option dontlognull\n")
                .append("    option forwardfor\n")
                .append("    timeout connect 1s\n")
                .append("    timeout client 60s\n")
                .append("    timeout server 60s\n")
                .append("    timeout http-request 10s\n")
                .append("    timeout http-keep-alive 10s\n")
                .append("    timeout queue 10s\n")
                .append("    timeout check 1s\n")
                // only a failed connection is retried, since the request has not reached any instance then; each
                // retry goes to another instance (redispatch on every retry) instead of waiting for the dead one
                .append("    retries 2\n")
                .append("    retry-on conn-failure\n")
                .append("    option redispatch 1\n")
                .append("\n")
                .append("frontend ").append(name).append('\n')
                .append("    bind ").append(host).append(':').append(port).append('\n')
                .append("    default_backend ").append(name).append("-instances\n")
                .append("\n")
                .append("backend ").append(name).append("-instances\n")
                .append("    balance roundrobin\n")
                .append("    option httpchk\n")
                .append("    http-check send meth GET uri /healthcheck ver HTTP/1.1 hdr Host localhost\n")
                .append("    http-check expect status 200\n")
                // observe layer4, not layer7: a 5xx answer to one request is the application's answer, not a
                // sign that the instance is gone; a refused connection is, and takes it out at once until its
                // next passing check (rise 1) brings it back
                .append("    default-server inter 1s fastinter 1s downinter 1s rise 1 fall 2")
                .append(" observe layer4 error-limit 1 on-error mark-down\n");
        for (Backend backend : backends) {
            config.append("    server ").append(backend.name()).append(' ').append(backend.host()).append(':')
                    .append(backend.port()).append(" check port ").append(backend.adminPort()).append('\n');
        }
        return config.toString();
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("HAProxy " + name + " exited with " + process.exitValue()
                        + " while starting (configuration " + configFile + "); last log lines:\n"
                        + ChildJvm.tail(logFile, 30));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 500);
                return;
            } catch (IOException e) {
                last = e;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new IllegalStateException("HAProxy " + name + " did not accept connections on " + url() + " within "
                + READY_TIMEOUT + "; last log lines:\n" + ChildJvm.tail(logFile, 30), last);
    }

    /**
     * HAProxy is a child of this JVM, but children are not killed with their parent. The reaper waits for its stdin
     * (a pipe from this JVM) to reach end of file, which happens when this JVM dies, and then stops HAProxy. On a
     * normal stop it is killed instead, so it never signals a pid that may have been reused.
     */
    private static Process startReaper(long pid) throws IOException {
        String script = "while read -r _; do :; done; kill -TERM \"$1\" 2>/dev/null; exit 0";
        return new ProcessBuilder("sh", "-c", script, "haproxy-reaper", Long.toString(pid))
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private void stopReaper() {
        if (reaper == null) {
            return;
        }
        // SIGKILL first: closing its stdin would make it signal the pid
        reaper.destroyForcibly();
        try {
            reaper.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (OutputStream stdin = reaper.getOutputStream()) {
            stdin.flush();
        } catch (IOException e) {
            // already gone
        }
        reaper = null;
    }

    /** An HAProxy left running by a run whose JVM and reaper were killed together would hold the port. */
    private void stopOrphan() throws IOException, InterruptedException {
        Optional<ProcessHandle> orphan = readPid().flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive)
                .filter(handle -> handle.info().command().map(command -> command.endsWith("haproxy")).orElse(false));
        if (orphan.isEmpty()) {
            return;
        }
        LOG.warn("stopping an orphaned HAProxy (pid {}) of load balancer {}", orphan.get().pid(), name);
        orphan.get().destroy();
        try {
            orphan.get().onExit().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            orphan.get().destroyForcibly();
        }
    }

    private Optional<Long> readPid() {
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | UncheckedIOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String requireName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " must match " + NAME + ": " + name);
        }
        return name;
    }

    private static int requirePort(int port) {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("not a port: " + port);
        }
        return port;
    }
}
