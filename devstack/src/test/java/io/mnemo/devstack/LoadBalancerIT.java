package io.mnemo.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The load balancer (real HAProxy, installed when missing) in front of two small real HTTP instances, each with an
 * application port answering its own name and an admin port whose {@code /healthcheck} can be switched to 500.
 */
class LoadBalancerIT {

    static {
        // the JDK server writes headers and body separately: without this, Nagle's algorithm and delayed ACKs hold
        // every answer for 40 ms, and the load in the failover test would be a trickle
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final Logger LOG = LoggerFactory.getLogger(LoadBalancerIT.class);

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Instance first;
    private Instance second;
    private LoadBalancer balancer;
    private long balancerStarted;

    @BeforeEach
    void start() throws Exception {
        first = Instance.start("first");
        second = Instance.start("second");
        balancer = new LoadBalancer("ingest", freePort(), List.of(first.backend(), second.backend()),
                dir.resolve("ingest"), dir.resolve("logs/ingest.log"));
        balancer.start();
        balancerStarted = System.nanoTime();
    }

    @AfterEach
    void stop() {
        balancer.stop();
        first.stop();
        second.stop();
    }

    @Test
    void spreadsRequestsOverBothInstances() throws Exception {
        Set<String> answeredBy = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> response = get("/");
            assertThat(response.statusCode()).isEqualTo(200);
            answeredBy.add(response.body());
        }

        assertThat(answeredBy).containsExactlyInAnyOrder("first", "second");
        assertThat(balancer.isRunning()).isTrue();
        assertThat(balancer.url()).isEqualTo("http://127.0.0.1:" + balancer.port());
    }

    @Test
    void takesAnInstanceWhoseHealthCheckFailsOutOfRotationWithinThreeSecondsAndBackAfterItRecovers() throws Exception {
        // HAProxy starts an instance barely up (one failed check takes it out); after a few passing checks it needs
        // the configured two failures, the case that matters for a running stack
        await().atMost(Duration.ofSeconds(5)).until(() -> millisSince(balancerStarted) > 2_500);
        long unhealthySince = System.nanoTime();
        second.healthStatus.set(500);
        LOG.info("health check of the second instance answers 500 from now on");

        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(answersTo(6)).containsOnly("first"));
        LOG.info("out of rotation {} ms after its health check turned 500", millisSince(unhealthySince));
        assertThat(answersTo(20)).as("stays out while unhealthy").containsOnly("first");

        long healthySince = System.nanoTime();
        second.healthStatus.set(200);
        LOG.info("health check of the second instance answers 200 from now on");

        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(answersTo(4)).contains("second"));
        LOG.info("back in rotation {} ms after its health check turned 200; HAProxy logged:\n{}",
                millisSince(healthySince), stateChanges());
    }

    @Test
    void anInstanceStoppedOutrightCostsClientsNoFailedRequestOnceTheBalancerNotices() throws Exception {
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        int clients = 2;
        ExecutorService load = Executors.newFixedThreadPool(clients);
        for (int i = 0; i < clients; i++) {
            load.submit(() -> {
                while (running.get()) {
                    outcomes.add(request());
                }
            });
        }
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> outcomes.stream().map(Outcome::answer)
                    .filter(answer -> answer.equals("second")).count() > 10);

            long killed = System.nanoTime();
            second.stopOutright();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> logShows("Server ingest-instances/second is DOWN"));
            long noticedMillis = millisSince(killed);
            long lateSince = killed + TimeUnit.SECONDS.toNanos(3);
            // keep the load on well past the 3 s bound
            await().atMost(Duration.ofSeconds(15)).until(() -> outcomes.stream()
                    .anyMatch(outcome -> outcome.startedNanos() > lateSince + TimeUnit.SECONDS.toNanos(2)));
            running.set(false);
            load.shutdown();
            assertThat(load.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

            List<Outcome> after = outcomes.stream().filter(outcome -> outcome.startedNanos() > killed).toList();
            List<Outcome> failed = after.stream().filter(outcome -> !outcome.succeeded()).toList();
            LOG.info("instance stopped: the balancer marked it down after {} ms; {} requests after the stop, {} "
                    + "failed: {}", noticedMillis, after.size(), failed.size(), failed);
            assertThat(noticedMillis).isLessThan(3_000);
            assertThat(failed).as("at most the requests in flight when it stopped fail").hasSizeLessThanOrEqualTo(
                    clients);
            assertThat(failed).as("every request from 3 s after the stop on succeeds")
                    .noneMatch(outcome -> outcome.startedNanos() > lateSince);
            assertThat(after).filteredOn(outcome -> outcome.startedNanos() > lateSince)
                    .isNotEmpty().allMatch(outcome -> outcome.answer().equals("first"));
        } finally {
            running.set(false);
            load.shutdownNow();
        }
    }

    @Test
    void doesNotReplayARequestThatReachedAnInstanceWhichThenDied() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(balancer.url() + "/crash"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"memory\":1}")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(first.crashes.get() + second.crashes.get()).as("POSTs received by the instances").isEqualTo(1);
    }

    @Test
    void leavesNoProcessAndAFreePortAfterStop() {
        long pid = balancer.pid();
        assertThat(pid).isPositive();

        balancer.stop();

        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(balancer.isRunning()).isFalse();
        assertThat(balancer.pid()).isEqualTo(-1);
        assertThat(Ports.isFree(balancer.port())).isTrue();
    }

    @Test
    void restartsAfterACrashOnTheSamePort() throws Exception {
        long crashed = balancer.pid();
        ProcessHandle.of(crashed).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(5)).until(() -> !balancer.isRunning());
        assertThat(balancer.exitDescription()).isEqualTo("signal 9");

        balancer.restartAfterCrash();

        assertThat(balancer.pid()).isPositive().isNotEqualTo(crashed);
        assertThat(get("/").statusCode()).isEqualTo(200);
    }

    @Test
    @Timeout(60)
    void stopsHaproxyWhenTheJvmThatStartedItIsKilled() throws Exception {
        int port = freePort();
        Process jvm = startInChildJvm(dir.resolve("orphan"), port);
        long haproxyPid;
        try {
            haproxyPid = haproxyPidOf(jvm);
            assertThat(isListening(port)).isTrue();

            jvm.destroyForcibly();
            assertThat(jvm.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            jvm.destroyForcibly();
        }

        long orphan = haproxyPid;
        await().atMost(Duration.ofSeconds(5))
                .until(() -> ProcessHandle.of(orphan).filter(ProcessHandle::isAlive).isEmpty());
        assertThat(Ports.isFree(port)).isTrue();
    }

    @Test
    @Timeout(60)
    void stopsAnOrphanLeftByARunWhoseJvmAndReaperWereKilledTogether() throws Exception {
        int port = freePort();
        Path work = dir.resolve("orphan");
        Process jvm = startInChildJvm(work, port);
        long orphan;
        try {
            orphan = haproxyPidOf(jvm);
            // as when a whole process group is killed: the reaper goes first, so nothing stops HAProxy
            jvm.toHandle().children().filter(child -> child.pid() != orphan).forEach(ProcessHandle::destroyForcibly);
            jvm.destroyForcibly();
            assertThat(jvm.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            jvm.destroyForcibly();
        }
        await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> ProcessHandle.of(orphan).filter(ProcessHandle::isAlive).isPresent());
        assertThat(isListening(port)).as("the orphan holds the port").isTrue();

        try (LoadBalancer next = new LoadBalancer("orphan", port, List.of(first.backend()), work,
                work.resolve("orphan.log"))) {
            next.start();

            assertThat(ProcessHandle.of(orphan).filter(ProcessHandle::isAlive)).isEmpty();
            assertThat(next.pid()).isPositive().isNotEqualTo(orphan);
            assertThat(client.send(HttpRequest.newBuilder(URI.create(next.url() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("first");
        } finally {
            ProcessHandle.of(orphan).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private Process startInChildJvm(Path work, int port) throws IOException {
        return new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"), StartAndWait.class.getName(),
                work.toString(), Integer.toString(port), Integer.toString(first.appPort()),
                Integer.toString(first.adminPort()))
                .redirectErrorStream(true).start();
    }

    /** Reads the child JVM's output until it names its HAProxy's pid; the child is killed before its pipe fills. */
    private static long haproxyPidOf(Process jvm) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = out.readLine()) != null) {
            lines.add(line);
            if (line.startsWith(StartAndWait.PID_PREFIX)) {
                return Long.parseLong(line.substring(StartAndWait.PID_PREFIX.length()));
            }
        }
        throw new AssertionError("the child JVM ended without starting HAProxy; its output: " + lines);
    }

    /** Started in a child JVM: starts a load balancer, prints its HAProxy's pid and waits to be killed. */
    static final class StartAndWait {
        static final String PID_PREFIX = "haproxy-pid=";

        public static void main(String[] args) throws Exception {
            Path work = Path.of(args[0]);
            LoadBalancer balancer = new LoadBalancer("orphan", Integer.parseInt(args[1]),
                    List.of(LoadBalancer.Backend.local("only", Integer.parseInt(args[2]), Integer.parseInt(args[3]))),
                    work, work.resolve("orphan.log"));
            balancer.start();
            System.out.println(PID_PREFIX + balancer.pid());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    private List<String> answersTo(int requests) throws Exception {
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> response = get("/");
            assertThat(response.statusCode()).isEqualTo(200);
            answers.add(response.body());
        }
        return answers;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(balancer.url() + path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private Outcome request() {
        long started = System.nanoTime();
        try {
            HttpResponse<String> response = get("/");
            return new Outcome(started, response.statusCode(), response.body());
        } catch (IOException e) {
            return new Outcome(started, -1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(started, -1, "interrupted");
        }
    }

    private String stateChanges() throws IOException {
        return String.join("\n", Files.readAllLines(balancer.log(), StandardCharsets.UTF_8).stream()
                .filter(line -> line.contains(" is DOWN") || line.contains(" is UP")).toList());
    }

    private boolean logShows(String text) throws IOException {
        return Files.exists(balancer.log()) && Files.readString(balancer.log(), StandardCharsets.UTF_8).contains(text);
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static int freePort() throws IOException {
        try (var socket = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private record Outcome(long startedNanos, int status, String answer) {
        boolean succeeded() {
            return status == 200;
        }
    }

    /** A tiny service instance: its name on the application port, a switchable health check on the admin port. */
    private static final class Instance {
        final String name;
        final AtomicInteger healthStatus = new AtomicInteger(200);
        final AtomicInteger crashes = new AtomicInteger();
        private final HttpServer app;
        private final HttpServer admin;
        private boolean stopped;

        private Instance(String name) throws IOException {
            this.name = name;
            this.app = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            this.admin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        }

        static Instance start(String name) throws IOException {
            Instance instance = new Instance(name);
            instance.app.createContext("/", exchange -> respond(exchange, 200, name));
            instance.app.createContext("/crash", exchange -> {
                exchange.getRequestBody().readAllBytes();
                instance.crashes.incrementAndGet();
                // the JDK server closes the connection without an answer, as a process dying mid-request would
                throw new IllegalStateException("crashing mid-request");
            });
            instance.admin.createContext("/healthcheck", exchange -> {
                int status = instance.healthStatus.get();
                respond(exchange, status, status == 200 ? "{\"deadlocks\":{\"healthy\":true}}" : "{}");
            });
            instance.app.setExecutor(Executors.newFixedThreadPool(4));
            instance.admin.setExecutor(Executors.newSingleThreadExecutor());
            instance.app.start();
            instance.admin.start();
            return instance;
        }

        LoadBalancer.Backend backend() {
            return LoadBalancer.Backend.local(name, appPort(), adminPort());
        }

        int appPort() {
            return app.getAddress().getPort();
        }

        int adminPort() {
            return admin.getAddress().getPort();
        }

        /** Both ports closed: connections are refused, as when the instance's process is gone. */
        synchronized void stopOutright() {
            if (stopped) {
                return;
            }
            stopped = true;
            app.stop(0);
            admin.stop(0);
        }

        void stop() {
            stopOutright();
            ((ExecutorService) app.getExecutor()).shutdownNow();
            ((ExecutorService) admin.getExecutor()).shutdownNow();
        }

        private static void respond(HttpExchange exchange, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(status, bytes.length);
            try (var out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
