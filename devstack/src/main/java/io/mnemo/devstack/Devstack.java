package io.mnemo.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.opentest4j.TestAbortedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mnemo.devstack.registry.EmbeddedSchemaRegistry;

/**
 * Mnemo's real infrastructure on one machine, without Docker: a Kafka KRaft broker (or a cluster of them, see
 * {@link DevstackOptions#withBrokers(int)}) and S3Proxy in child JVMs, a PostgreSQL primary with one streaming
 * replica or more (see {@link DevstackOptions#withReplicas(int)} and {@link #promote(int)}), and the embedded schema
 * registry, all on 127.0.0.1 and free ports.
 * Used by integration tests (through {@link DevstackExtension}) and by {@code mnemo dev}.
 */
public final class Devstack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Devstack.class);

    private final DevstackOptions options;
    private final Ports ports;
    private final KafkaCluster kafka;
    private final PostgresCluster postgres;
    private final S3ProxyServer s3;
    private final FileLock dataDirLock;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    /** Non-null when the infrastructure runs elsewhere (DevstackBackend); then kafka, postgres and s3 are null. */
    private final ContainerInfrastructure containers;
    private volatile EmbeddedSchemaRegistry schemaRegistry;

    private Devstack(DevstackOptions options, Ports ports, FileLock dataDirLock) {
        this.options = options;
        this.ports = ports;
        this.dataDirLock = dataDirLock;
        Path dataDir = options.dataDir();
        Path logs = dataDir.resolve("logs");
        this.kafka = new KafkaCluster(dataDir, logs, ports, options.brokers(), options.extraKafkaListeners());
        List<Integer> postgresPorts = new ArrayList<>();
        for (int server = 0; server <= options.replicas(); server++) {
            postgresPorts.add(ports.get(Ports.postgres(server)));
        }
        this.postgres = new PostgresCluster(dataDir.resolve("postgres"), logs, postgresPorts);
        this.s3 = new S3ProxyServer(dataDir.resolve("s3"), dataDir.resolve("s3proxy"), logs, ports.get(Ports.S3),
                options.mediaBucket());
        this.shutdownHook = new Thread(this::close, "devstack-shutdown");
        this.containers = null;
    }

    private Devstack(DevstackOptions options, ContainerInfrastructure containers) {
        this.options = options;
        this.ports = null;
        this.dataDirLock = null;
        this.kafka = null;
        this.postgres = null;
        this.s3 = null;
        this.containers = containers;
        this.shutdownHook = new Thread(this::close, "devstack-shutdown");
    }

    /**
     * Endpoints of infrastructure started by a {@link ContainerInfrastructure.Provider}, with the embedded schema
     * registry in this JVM on its Kafka (as on the embedded stack, so the tests see the same registry).
     */
    private static Devstack startOn(ContainerInfrastructure.Provider provider, DevstackOptions options,
                                    PostgresReady whenPostgresIsUp) throws Exception {
        if (options.brokers() != 1 || !options.extraKafkaListeners().isEmpty()) {
            throw new TestAbortedException("the " + provider.name() + " backend runs one broker without extra "
                    + "listeners; a " + options.brokers() + "-broker stack needs the embedded devstack");
        }
        long started = System.nanoTime();
        Devstack devstack = new Devstack(options, provider.start(options));
        Runtime.getRuntime().addShutdownHook(devstack.shutdownHook);
        try {
            devstack.schemaRegistry = EmbeddedSchemaRegistry.start(devstack.containers.kafkaBootstrap(), "127.0.0.1",
                    0);
            whenPostgresIsUp.run(devstack.primary());
        } catch (Exception e) {
            devstack.close();
            throw e;
        }
        LOG.info("devstack ready on {} in {} ms: kafka {}, postgres {}, s3 {}", provider.name(),
                (System.nanoTime() - started) / 1_000_000, devstack.kafkaBootstrap(), devstack.primary().jdbcUrl(),
                devstack.s3().endpoint());
        return devstack;
    }

    /**
     * Fault tests need the stack's own processes; on containers they are reported as skipped (a JUnit assumption),
     * with the reason, rather than failed or silently passed.
     */
    private void requireProcesses(String what) {
        if (containers != null) {
            throw new TestAbortedException(what + " needs the embedded devstack's processes; tests that stop, kill "
                    + "or promote servers do not run on " + DevstackBackend.PROPERTY + "="
                    + System.getProperty(DevstackBackend.PROPERTY));
        }
    }

    /**
     * Starts every component (Kafka with the schema registry, PostgreSQL, S3Proxy in parallel), waits until each is
     * healthy and logs its address. Failure to start anything stops what was started and throws.
     */
    public static Devstack start(DevstackOptions options) throws Exception {
        return start(options, new StartupTimes());
    }

    /** As {@link #start(DevstackOptions)}, recording each component's start in {@code times}. */
    public static Devstack start(DevstackOptions options, StartupTimes times) throws Exception {
        return start(options, times, primary -> { });
    }

    /** Work that needs only PostgreSQL (migrations, say), run while the broker may still be starting. */
    @FunctionalInterface
    public interface PostgresReady {
        void run(PostgresEndpoint primary) throws Exception;
    }

    /**
     * As {@link #start(DevstackOptions, StartupTimes)}, running {@code whenPostgresIsUp} as soon as the primary and
     * its replica are up, in parallel with the rest of the start; the stack is ready only once it has finished.
     */
    public static Devstack start(DevstackOptions options, StartupTimes times, PostgresReady whenPostgresIsUp)
            throws Exception {
        Optional<ContainerInfrastructure.Provider> provider = DevstackBackend.selected();
        if (provider.isPresent()) {
            return startOn(provider.get(), options, whenPostgresIsUp);
        }
        long started = System.nanoTime();
        Files.createDirectories(options.dataDir());
        if (!options.keepData()) {
            deleteLeftoversOfCrashedRuns(options.dataDir());
        }
        FileLock lock = lockDataDir(options.dataDir());
        Devstack devstack;
        try {
            devstack = new Devstack(options, Ports.allocate(options), lock);
        } catch (IOException | RuntimeException e) {
            lock.channel().close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(devstack.shutdownHook);
        try {
            devstack.startComponents(times, whenPostgresIsUp);
        } catch (Exception e) {
            devstack.close();
            throw e;
        }
        LOG.info("devstack ready in {} ms (data in {}{})", (System.nanoTime() - started) / 1_000_000,
                options.dataDir(), options.keepData() ? "" : ", deleted on close");
        return devstack;
    }

    private void startComponents(StartupTimes times, PostgresReady whenPostgresIsUp) throws Exception {
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(3, runnable -> {
            Thread thread = new Thread(runnable, "devstack-start-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            CompletableFuture<Void> kafkaAndRegistry = timed("kafka", () -> {
                times.time("kafka", kafka::start);
                int size = kafka.nodes().size();
                for (KafkaBroker node : kafka.nodes()) {
                    LOG.info("{} {} (KRaft broker+controller{}, pid {})", String.format("%-16s", node.name()),
                            node.bootstrap(), size == 1 ? "" : ", node " + node.nodeId() + " of " + size, node.pid());
                }
                schemaRegistry = times.timeCall("schema-registry", () -> EmbeddedSchemaRegistry.start(
                        kafka.bootstrap(), "127.0.0.1", ports.get(Ports.SCHEMA_REGISTRY)));
                LOG.info("schema registry  {}", schemaRegistry.url());
            }, executor);
            CompletableFuture<Void> postgresCluster = timed("postgres", () -> {
                postgres.start(times);
                LOG.info("postgres primary {} ({}, pid {})", primary().jdbcUrl(), postgres.primary().name(),
                        postgres.primary().pid());
                for (PostgresServer standby : postgres.standbys()) {
                    LOG.info("postgres replica {} ({}, streaming from the primary, pid {})",
                            standby.endpoint().jdbcUrl(), standby.name(), standby.pid());
                }
                whenPostgresIsUp.run(primary());
            }, executor);
            CompletableFuture<Void> s3Proxy = timed("s3", () -> {
                times.time("s3", s3::start);
                LOG.info("s3               {} bucket {} (S3Proxy, pid {})", s3.endpoint().endpoint(),
                        options.mediaBucket(), s3.pid());
            }, executor);
            CompletableFuture.allOf(kafkaAndRegistry, postgresCluster, s3Proxy).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException && e.getCause().getCause() != null
                    ? e.getCause().getCause() : e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            throw e;
        } finally {
            executor.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private static CompletableFuture<Void> timed(String component, Step step, ExecutorService executor) {
        return CompletableFuture.runAsync(() -> {
            long started = System.nanoTime();
            try {
                step.run();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
            LOG.debug("{} started in {} ms", component, (System.nanoTime() - started) / 1_000_000);
        }, executor);
    }

    /**
     * Removes the stack's own JVM shutdown hook: the caller takes over and promises to {@link #close()} the stack
     * from its own hook, after stopping whatever uses it (hooks run concurrently, so two would race).
     */
    public void takeOverShutdown() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: the stack's hook is running and will close it
        }
    }

    /** Bootstrap servers: every Kafka node's {@code 127.0.0.1:PORT}, comma-separated. */
    public String kafkaBootstrap() {
        return containers != null ? containers.kafkaBootstrap() : kafka.bootstrap();
    }

    /** Base URL of the schema registry, {@code http://127.0.0.1:PORT}. */
    public String schemaRegistryUrl() {
        EmbeddedSchemaRegistry registry = schemaRegistry;
        if (registry == null) {
            throw new IllegalStateException("the schema registry is not running");
        }
        return registry.url();
    }

    /** The current PostgreSQL primary (after {@link #promote(int)}, the promoted server). */
    public PostgresEndpoint primary() {
        return containers != null ? containers.primary() : postgres.primary().endpoint();
    }

    /**
     * The current standbys, in server order ({@code replica-1}, {@code replica-2} ...; after a failover the former
     * primary, once it has rejoined, comes first); reads on them see the primary's commits after a short lag.
     */
    public List<PostgresEndpoint> replicas() {
        if (containers != null) {
            return containers.replicas();
        }
        return postgres.standbys().stream().map(PostgresServer::endpoint).toList();
    }

    /**
     * A JDBC URL naming every PostgreSQL server of the stack, for writers:
     * {@code jdbc:postgresql://127.0.0.1:P0,127.0.0.1:P1,.../mnemo?targetServerType=primary}. pgjdbc connects to
     * whichever server is the primary, so a client keeps working across {@link #promote(int)} without a new URL.
     */
    public String primaryUrlAllHosts() {
        return allHostsUrl("targetServerType=primary");
    }

    /**
     * A JDBC URL naming every PostgreSQL server, for readers: a standby when one is up (chosen at random per
     * connection), else the primary ({@code targetServerType=preferSecondary&loadBalanceHosts=true}).
     */
    public String readerUrlAllHosts() {
        return allHostsUrl("targetServerType=preferSecondary&loadBalanceHosts=true");
    }

    private String allHostsUrl(String parameters) {
        List<PostgresEndpoint> servers = new ArrayList<>();
        if (containers != null) {
            servers.add(containers.primary());
            servers.addAll(containers.replicas());
        } else {
            postgres.servers().forEach(server -> servers.add(server.endpoint()));
        }
        StringBuilder hosts = new StringBuilder();
        for (PostgresEndpoint endpoint : servers) {
            hosts.append(hosts.length() == 0 ? "" : ",").append(endpoint.host()).append(':').append(endpoint.port());
        }
        return "jdbc:postgresql://" + hosts + "/" + primary().database() + "?" + parameters;
    }

    /**
     * Fails over to {@code replicas().get(replicaIndex)}: the old primary is fenced (stopped if it still runs; any
     * later start of it, {@link PostgresServer#restartAfterCrash()} included, brings it back as a standby of the new
     * primary, re-cloned), the target catches up with the standby that received the most WAL and is promoted, and
     * the other running standbys are re-pointed at it. {@code primary()}, {@code primaryServer()} and the
     * {@code postgres/current-primary} file name the new primary afterwards, so a persistent stack starts it as the
     * primary next time. Returns once the new primary accepts writes and the followers stream from it.
     */
    public void promote(int replicaIndex) throws IOException, SQLException, InterruptedException {
        requireProcesses("promote");
        postgres.promote(replicaIndex);
    }

    /**
     * Makes {@code server} (a former primary, say) a standby of the current primary again by re-cloning it, the way
     * a new replica is made; it is stopped first if it runs.
     */
    public void rejoinAsReplica(PostgresServer server) throws IOException {
        requireProcesses("rejoinAsReplica");
        postgres.rejoinAsReplica(server);
    }

    public S3Endpoint s3() {
        return containers != null ? containers.s3() : s3.endpoint();
    }

    /** The broker process (node 1 of a cluster), for fault tests (stop, kill, start again). */
    public KafkaBroker kafka() {
        requireProcesses("kafka()");
        return kafka.first();
    }

    /** Every Kafka node, ordered by node id: one for a plain stack, three for the high-availability topology. */
    public List<KafkaBroker> kafkaBrokers() {
        requireProcesses("kafkaBrokers()");
        return kafka.nodes();
    }

    /** The current primary server, for fault tests. */
    public PostgresServer primaryServer() {
        requireProcesses("primaryServer()");
        return postgres.primary();
    }

    /**
     * The supervisor's name of the current primary ({@code postgres-primary}, or {@code postgres-replica-1} ... after
     * {@link #promote(int)}): servers are named after their home, as in {@link #infrastructure()}.
     */
    public String primaryName() {
        requireProcesses("primaryName()");
        return "postgres-" + postgres.primary().name();
    }

    /** The supervisor's names of the current standbys, in the order of {@link #replicas()}. */
    public List<String> replicaNames() {
        requireProcesses("replicaNames()");
        return postgres.standbys().stream().map(server -> "postgres-" + server.name()).toList();
    }

    /** The current standby servers, in the order of {@link #replicas()}. */
    public List<PostgresServer> replicaServers() {
        requireProcesses("replicaServers()");
        return postgres.standbys();
    }

    /**
     * The stack's own processes, for a supervisor: the broker ({@code kafka}; {@code kafka-1} ... for the nodes of a
     * cluster), the Postgres servers ({@code postgres-primary}, {@code postgres-replica-1} ...: named after their
     * home, not their role, which changes with {@link #promote(int)}) and the S3 server (the schema registry runs in this JVM and lives as long as it
     * does).
     */
    public List<InfrastructureProcess> infrastructure() {
        requireProcesses("infrastructure()");
        List<InfrastructureProcess> processes = new ArrayList<>();
        for (KafkaBroker node : kafka.nodes()) {
            processes.add(process(node.name(), node::isRunning, node::exitDescription, node::restartAfterCrash,
                    node.log(), node::pid));
        }
        for (PostgresServer server : postgres.servers()) {
            processes.add(postgres("postgres-" + server.name(), server));
        }
        processes.add(process("s3", s3::isRunning, s3::exitDescription, s3::restartAfterCrash, s3.log(), s3::pid));
        return List.copyOf(processes);
    }

    private static InfrastructureProcess postgres(String name, PostgresServer server) {
        // the postmaster is detached (pg_ctl starts it), so there is no exit status to report
        return process(name, server::isRunning, () -> "postmaster gone", server::restartAfterCrash, server.log(),
                server::pid);
    }

    @FunctionalInterface
    private interface Restart {
        void run() throws Exception;
    }

    private static InfrastructureProcess process(String name, BooleanSupplier running,
                                                 Supplier<String> exit, Restart restart,
                                                 Path log, LongSupplier pid) {
        return new InfrastructureProcess() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean isRunning() {
                return running.getAsBoolean();
            }

            @Override
            public String exitDescription() {
                return exit.get();
            }

            @Override
            public void restart() throws Exception {
                restart.run();
            }

            @Override
            public Path log() {
                return log;
            }

            @Override
            public long pid() {
                return running.getAsBoolean() ? pid.getAsLong() : -1;
            }
        };
    }

    public DevstackOptions options() {
        return options;
    }

    /** Stops everything in reverse start order and deletes the data directory unless the options keep it. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        long started = System.nanoTime();
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already; the hook will find the stack closed
            }
        }
        List<RuntimeException> failures = new ArrayList<>();
        if (containers != null) {
            quietly(() -> {
                EmbeddedSchemaRegistry registry = schemaRegistry;
                schemaRegistry = null;
                if (registry != null) {
                    registry.close();
                }
            }, failures);
            quietly(containers::close, failures);
            failures.forEach(failure -> LOG.warn("while stopping the devstack", failure));
            return;
        }
        quietly(s3::stop, failures);
        quietly(postgres::stop, failures);
        quietly(() -> {
            EmbeddedSchemaRegistry registry = schemaRegistry;
            schemaRegistry = null;
            if (registry != null) {
                registry.close();
            }
        }, failures);
        quietly(kafka::stop, failures);
        try {
            dataDirLock.channel().close();
        } catch (IOException e) {
            failures.add(new UncheckedIOException(e));
        }
        if (!options.keepData()) {
            try {
                PostgresCluster.deleteRecursively(options.dataDir());
            } catch (IOException e) {
                failures.add(new UncheckedIOException("cannot delete " + options.dataDir(), e));
            }
        }
        failures.forEach(failure -> LOG.warn("while stopping the devstack", failure));
        LOG.info("devstack stopped in {} ms", (System.nanoTime() - started) / 1_000_000);
    }

    private static void quietly(Runnable action, List<RuntimeException> failures) {
        try {
            action.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    /** Two stacks on one data directory would corrupt each other's PostgreSQL and Kafka data. */
    private static FileLock lockDataDir(Path dataDir) throws IOException {
        FileChannel channel = FileChannel.open(dataDir.resolve("devstack.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            throw new IllegalStateException("another devstack is running on " + dataDir);
        }
        Files.writeString(dataDir.resolve("devstack.pid"), Long.toString(ProcessHandle.current().pid()),
                StandardCharsets.UTF_8);
        return lock;
    }

    /**
     * A JVM killed by SIGKILL cannot delete its ephemeral directory (its children die with it, see
     * {@link DieWithParent}); the next ephemeral stack removes such directories once nothing in them runs.
     */
    private static void deleteLeftoversOfCrashedRuns(Path ownDir) {
        Path tmp = ownDir.getParent();
        if (tmp == null) {
            return;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, DevstackOptions.EPHEMERAL_PREFIX + "*")) {
            for (Path dir : dirs) {
                if (!dir.equals(ownDir) && isAbandoned(dir)) {
                    LOG.info("deleting {} left behind by a devstack that did not stop", dir);
                    PostgresCluster.deleteRecursively(dir);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot clean leftovers of earlier devstacks in {}", tmp, e);
        }
    }

    private static boolean isAbandoned(Path dir) {
        List<Path> pidFiles = new ArrayList<>(List.of(dir.resolve("devstack.pid")));
        if (!Files.exists(pidFiles.get(0))) {
            return false;
        }
        try (DirectoryStream<Path> servers = Files.newDirectoryStream(dir.resolve("postgres"), Files::isDirectory)) {
            servers.forEach(server -> pidFiles.add(server.resolve("postmaster.pid")));
        } catch (IOException e) {
            // no postgres directory (yet): only the devstack's own pid counts
        }
        return pidFiles.stream().map(Devstack::pid).flatMap(Optional::stream).noneMatch(Devstack::isAlive);
    }

    private static Optional<Long> pid(Path pidFile) {
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
