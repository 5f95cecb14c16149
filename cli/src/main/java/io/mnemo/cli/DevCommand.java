package io.mnemo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mnemo.schemas.ServiceRoles;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackOptions;
import io.mnemo.devstack.InfrastructureProcess;
import io.mnemo.devstack.LoadBalancer;
import io.mnemo.devstack.PostgresEndpoint;
import io.mnemo.devstack.S3Endpoint;
import io.mnemo.devstack.StartupTimes;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.schemas.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mnemo dev}: starts devstack (data kept under {@code .mnemo/}) and the three services in their own
 * JVMs, writes {@code .mnemo/dev-env.json} once all are healthy, and stops everything on Ctrl-C or SIGTERM.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Run the whole platform locally on real Kafka, PostgreSQL (primary + replica) and S3.")
public final class DevCommand implements java.util.concurrent.Callable<Integer> {
    static final String TENANT = "dev";
    /** Exit code when stopped while starting (128 + SIGINT, as shells report it). */
    static final int INTERRUPTED = 130;

    @Option(names = "--data-dir", defaultValue = ".mnemo", description = "Where data, logs and dev-env.json live "
            + "(default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--partitions", defaultValue = "12", description = "Partitions of every Mnemo topic.")
    int partitions;

    @Option(names = "--ha", description = "The HA topology: 3 Kafka brokers (replication 3, min.insync.replicas 2), "
            + "2 Postgres replicas (synchronous to one of them; writers on a multi-host URL), 2 instances of each "
            + "service, ingest and query behind HAProxy (installed when missing), Streams standby replicas. Stack data in <data-dir>/devstack-ha, apart from the single-node platform's.")
    boolean ha;

    @Option(names = "--max-restarts", defaultValue = "5", description = "Restarts in a row of a process that exits "
            + "before it is left down (default: ${DEFAULT-VALUE}; 0 never restarts).")
    int maxRestarts;

    @Option(names = "--exit-when-ready", hidden = true, description = "Stop once healthy (for tests and timing).")
    boolean exitWhenReady;

    @Spec
    CommandSpec spec;

    private final Teardown teardown = new Teardown();
    private final Object stopping = new Object();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Devstack devstack;
    /** Every service instance, processors first; one of each, or two with --ha. */
    private final List<ServiceProcess> services = new ArrayList<>();
    private final List<LoadBalancer> balancers = new ArrayList<>();
    /** What the environment file says besides the stack's addresses, kept to rewrite it after a promotion. */
    private volatile String envIngestUrl;
    private volatile String envQueryUrl;
    private volatile String envApiKey;

    /** What {@link #launch(Path, int, boolean, PrintWriter, Overrides)} changes; nothing for {@code mnemo dev}. */
    private Overrides overrides = Overrides.NONE;

    /**
     * Changes to the platform that only tests make: the chaos suite adds a broker listener advertised at a fault
     * proxy's port and points the processors (only them) at proxies in front of Kafka and Postgres.
     *
     * @param stack         applied to the devstack's options before it starts
     * @param processorEnv  given the started devstack, environment variables that replace the processors' own
     *                      (e.g. {@code MNEMO_KAFKA_BOOTSTRAP}, {@code MNEMO_PG_PRIMARY_URL}); kept for their restarts
     */
    public record Overrides(java.util.function.UnaryOperator<DevstackOptions> stack,
                            java.util.function.Function<Devstack, Map<String, String>> processorEnv) {
        public static final Overrides NONE = new Overrides(options -> options, started -> Map.of());
    }

    /*
     * Stdout and stderr: `mnemo dev` is for people, and what they read is the banner (URLs, API key, how to try
     * it), so the banner goes to stdout, where it can also be captured (`mnemo dev > dev.txt`). Progress and
     * shutdown lines ("Starting devstack ...", "Stopping Mnemo ...", anything that could not be stopped) go to
     * stderr with the logs: they show on the terminal all the same but never mix into the banner. Scripts read
     * .mnemo/dev-env.json rather than either stream.
     */
    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Path root = dataDir.toAbsolutePath();
        Path envFile = root.resolve("dev-env.json");
        Files.createDirectories(root);
        Files.deleteIfExists(envFile);
        Thread shutdown = new Thread(() -> {
            try {
                stopAll(err);
            } finally {
                stopped.countDown();
            }
        }, "mnemo-dev-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        try {
            Started platform = start(root, envFile, err);
            printBanner(platform.ingestUrl(), platform.queryUrl(), envFile, platform.logs(), platform.seconds(),
                    platform.apiKey());
            supervise(root, err);
            if (!exitWhenReady) {
                stopped.await();
            }
            return 0;
        } catch (Exception | Error e) {
            if (teardown.isStopped()) {
                // Ctrl-C while starting: the stop aborted the start (Teardown.Stopping) or pulled a service
                // from under it; everything that was started has been stopped
                return INTERRUPTED;
            }
            // Every path out stops what was started, not only Ctrl-C: the shutdown hook runs only when the JVM
            // exits, which it does not when the command runs in-process.
            stopAll(err).forEach(f -> e.addSuppressed(f.cause()));
            throw e;
        } finally {
            stopAll(err);
            try {
                Runtime.getRuntime().removeShutdownHook(shutdown);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook has stopped everything or is doing it
            }
        }
    }

    /** Starts devstack and the services, registering each with the teardown the moment it runs. */
    /** What a start produced, for the banner. */
    private record Started(String ingestUrl, String queryUrl, Path logs, double seconds, String apiKey) {
    }

    private Started start(Path root, Path envFile, PrintWriter err) throws Exception {
        long started = System.nanoTime();
        // steps count from the launch of this JVM, so the CLI's own start shows too
        long jvmStarted = started - (System.currentTimeMillis()
                - ManagementFactory.getRuntimeMXBean().getStartTime()) * 1_000_000;
        StartupTimes times = new StartupTimes(jvmStarted);
        times.record("cli", jvmStarted, started);
        err.println("Starting devstack in " + root + " ...");
        err.flush();
        // The key (and the migrations before it) need only Postgres: made while the broker starts, and before the
        // services start, so their key caches load it with their first snapshot.
        AtomicReference<String> key = new AtomicReference<>();
        // the HA topology keeps its own stack data: a 1-broker log and a 3-broker cluster cannot share a directory
        DevstackOptions options = ha
                ? DevstackOptions.persistent(root.resolve("devstack-ha")).withBrokers(3).withReplicas(2)
                : DevstackOptions.persistent(root.resolve("devstack"));
        options = overrides.stack().apply(options);
        Devstack stack = Devstack.start(options, times,
                primary -> key.set(times.timeCall("migrations+api-key", () -> DevKey.rotate(primary, TENANT))));
        teardown.started("devstack", stack::close);
        devstack = stack;
        stack.takeOverShutdown();
        short replication = (short) (ha ? 3 : 1);
        times.time("topics", () -> provisionTopics(stack.kafkaBootstrap(), replication));
        String apiKey = key.get();

        PostgresEndpoint primary = stack.primary();
        PostgresEndpoint replica = stack.replicas().get(0);
        Map<String, String> common = new LinkedHashMap<>();
        common.put("MNEMO_KAFKA_BOOTSTRAP", stack.kafkaBootstrap());
        common.put("MNEMO_SCHEMA_REGISTRY_URL", stack.schemaRegistryUrl());
        common.put("MNEMO_KAFKA_PARTITIONS", Integer.toString(partitions));
        common.put("MNEMO_KAFKA_REPLICATION_FACTOR", Short.toString(replication));
        // every host, targetServerType=primary: after `mnemo db promote` the writers find the new primary
        common.put("MNEMO_PG_PRIMARY_URL", stack.primaryUrlAllHosts());
        common.put("MNEMO_PG_REPLICA_URL", replica.jdbcUrl());
        // every server, standbys first: the query service reads only those in recovery, so after a promotion the new
        // primary leaves its rotation and a rejoined old primary enters it, with no new configuration
        List<String> readers = new ArrayList<>(stack.replicas().stream().map(PostgresEndpoint::jdbcUrl).toList());
        readers.add(primary.jdbcUrl());
        common.put("MNEMO_PG_REPLICA_URLS", String.join(",", readers));
        // each service logs in as its own role (V15; trust authentication on the devstack's loopback): the whole
        // platform running this way is what proves the grants suffice. The migrations ran above, as the owner.
        common.put("MNEMO_PG_PASSWORD", primary.password() == null ? "" : primary.password());
        common.put("MNEMO_PG_MIGRATION_USER", primary.user());
        common.put("MNEMO_PG_MIGRATION_PASSWORD", primary.password() == null ? "" : primary.password());
        // a development platform: its empty Postgres password and dev cursor secret are accepted
        common.put("MNEMO_PROFILE", "dev");
        common.put("MNEMO_STREAMS_STATE_DIR", root.resolve("streams").toString());
        S3Endpoint media = stack.s3();
        common.put("MNEMO_S3_ENDPOINT", media.endpoint());
        common.put("MNEMO_S3_REGION", media.region());
        common.put("MNEMO_S3_BUCKET", media.bucket());
        common.put("MNEMO_S3_ACCESS_KEY", media.accessKey());
        common.put("MNEMO_S3_SECRET_KEY", media.secretKey());
        common.put("MNEMO_S3_PATH_STYLE", "true");
        Path logs = root.resolve("logs");

        List<String> jvm = serviceJvmOptions();
        int instances = ha ? 2 : 1;
        long launched = System.nanoTime();
        for (int i = 1; i <= instances; i++) {
            String name = instanceName("processors", i);
            int admin = freePort();
            Map<String, String> env = new LinkedHashMap<>(with(common, Map.of("MNEMO_ADMIN_PORT", "" + admin,
                    "MNEMO_PG_USER", ServiceRoles.PROCESSOR)));
            if (ha) {
                // each instance its own state directory and identity; a standby copy of every store on the other
                env.put("MNEMO_STREAMS_STATE_DIR", root.resolve("streams").resolve(name).toString());
                env.put("MNEMO_INSTANCE_ID", "dev-" + name);
                env.put("MNEMO_STREAMS_STANDBY_REPLICAS", "1");
            }
            env.putAll(overrides.processorEnv().apply(stack));
            services.add(started(ServiceProcess.start(name, "io.mnemo.processors.ProcessorsApplication",
                    "stream-processors.yml", jvm, env, admin, logs)));
        }
        List<LoadBalancer.Backend> ingestBackends = new ArrayList<>();
        List<LoadBalancer.Backend> queryBackends = new ArrayList<>();
        for (int i = 1; i <= instances; i++) {
            int port = freePort();
            int admin = freePort();
            String name = instanceName("ingest", i);
            services.add(started(ServiceProcess.start(name, "io.mnemo.ingest.IngestApplication", "ingest-api.yml",
                    jvm, with(common, Map.of("MNEMO_HTTP_PORT", "" + port, "MNEMO_ADMIN_PORT", "" + admin,
                            "MNEMO_PG_USER", ServiceRoles.INGEST)), admin, logs)));
            ingestBackends.add(LoadBalancer.Backend.local(name, port, admin));
        }
        for (int i = 1; i <= instances; i++) {
            int port = freePort();
            int admin = freePort();
            String name = instanceName("query", i);
            services.add(started(ServiceProcess.start(name, "io.mnemo.query.QueryApplication", "query-service.yml",
                    jvm, with(common, Map.of("MNEMO_HTTP_PORT", "" + port, "MNEMO_ADMIN_PORT", "" + admin,
                            "MNEMO_PG_USER", ServiceRoles.QUERY)), admin, logs)));
            queryBackends.add(LoadBalancer.Backend.local(name, port, admin));
        }
        awaitHealthy(services, launched, times);

        String ingestUrl = "http://127.0.0.1:" + ingestBackends.get(0).port();
        String queryUrl = "http://127.0.0.1:" + queryBackends.get(0).port();
        if (ha) {
            ingestUrl = balance(options, "ingest-lb", ingestBackends, times);
            queryUrl = balance(options, "query-lb", queryBackends, times);
        }
        // registered first so it is stopped first: no client finds the file of a platform that is going away
        teardown.started("environment file " + envFile, () -> Files.deleteIfExists(envFile));
        double seconds = (System.nanoTime() - started) / 1e9;
        long total = times.elapsedMillis();
        // before the environment file: whoever waits for that one finds the times of this start
        times.writeJson(root.resolve("startup-times.json"), total);
        envIngestUrl = ingestUrl;
        envQueryUrl = queryUrl;
        envApiKey = apiKey;
        DevPromotions promotions = new DevPromotions(root.resolve("control"), index -> promote(envFile, index))
                .start();
        teardown.started("promotion requests", promotions::close);
        writeEnvFile(envFile, ingestUrl, queryUrl, apiKey);
        err.println(times.summary(total) + " (seconds from the launch of the CLI; " + root.resolve(
                "startup-times.json") + ")");
        err.flush();
        return new Started(ingestUrl, queryUrl, logs, seconds, apiKey);
    }

    /**
     * Fails Postgres over to the standby at {@code index} of {@code devstack.replicas()} (asked by
     * {@code mnemo db promote}) and rewrites the environment file with the new roles. A supervised server that
     * the promotion stopped comes back as a standby of the new primary.
     */
    private synchronized String promote(Path envFile, int index) throws Exception {
        String oldPrimary = devstack.primaryName();
        long started = System.nanoTime();
        devstack.promote(index);
        writeEnvFile(envFile, envIngestUrl, envQueryUrl, envApiKey);
        return String.format("mnemo dev promoted %s (%s) in %d ms; %s is fenced and rejoins as a standby when it "
                        + "starts again; %s rewritten.", devstack.primaryName(), devstack.primary().jdbcUrl(),
                (System.nanoTime() - started) / 1_000_000, oldPrimary, envFile);
    }

    /** The admin URLs of a service's instances. */
    private List<String> admins(String service) {
        return services.stream().filter(s -> s.name().equals(service) || s.name().startsWith(service + "-"))
                .map(s -> s.adminUrl().toString()).toList();
    }

    /** {@code ingest} for the single instance of the default platform, {@code ingest-1}, {@code ingest-2} with --ha. */
    private String instanceName(String service, int i) {
        return ha ? service + "-" + i : service;
    }

    /** HAProxy in front of these instances, health-checked on their admin ports; returns its URL. */
    private String balance(DevstackOptions options, String name, List<LoadBalancer.Backend> backends,
                           StartupTimes times) throws Exception {
        LoadBalancer balancer = LoadBalancer.of(options, name, freePort(), backends);
        times.time(name, balancer::start);
        teardown.started(name, balancer::stop);
        balancers.add(balancer);
        return balancer.url();
    }

    /**
     * The platform of {@code mnemo dev} started in this thread, without supervision and without the banner, for
     * tests and benchmarks that inject faults themselves (kill a service and start it again when they choose).
     * Closing it stops everything, as Ctrl-C does.
     */
    public static Platform launch(Path dataDir, int partitions, PrintWriter err) throws Exception {
        return launch(dataDir, partitions, false, err);
    }

    /** As {@link #launch(Path, int, PrintWriter)}, the HA topology when {@code ha}. */
    public static Platform launch(Path dataDir, int partitions, boolean ha, PrintWriter err) throws Exception {
        return launch(dataDir, partitions, ha, err, Overrides.NONE);
    }

    /** As {@link #launch(Path, int, boolean, PrintWriter)}, with the changes of {@code overrides}. */
    public static Platform launch(Path dataDir, int partitions, boolean ha, PrintWriter err, Overrides overrides)
            throws Exception {
        DevCommand command = new DevCommand();
        command.dataDir = dataDir;
        command.partitions = partitions;
        command.ha = ha;
        command.overrides = java.util.Objects.requireNonNull(overrides, "overrides");
        Path root = dataDir.toAbsolutePath();
        Files.createDirectories(root);
        Path envFile = root.resolve("dev-env.json");
        Files.deleteIfExists(envFile);
        try {
            command.start(root, envFile, err);
        } catch (Exception | Error e) {
            command.stopAll(err).forEach(f -> e.addSuppressed(f.cause()));
            throw e;
        }
        return command.new Platform(envFile, err);
    }

    /** A running platform started by {@link #launch}. */
    public final class Platform implements AutoCloseable {
        private final Path envFile;
        private final PrintWriter err;

        private Platform(Path envFile, PrintWriter err) {
            this.envFile = envFile;
            this.err = err;
        }

        public Path envFile() {
            return envFile;
        }

        public Devstack devstack() {
            return devstack;
        }

        /** {@code ingest}, {@code query} or {@code processors}; {@code ingest-1}, {@code ingest-2} ... with --ha. */
        private ServiceProcess service(String name) {
            return services.stream().filter(service -> service.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no service " + name));
        }

        /** The service's current process (to kill it as a crash would). */
        public ProcessHandle process(String service) {
            return ProcessHandle.of(service(service).pid()).orElseThrow();
        }

        public boolean isAlive(String service) {
            return service(service).isAlive();
        }

        /** Starts a service again after it exited, and waits until it is healthy. */
        public void restart(String service) throws Exception {
            service(service).restart();
        }

        @Override
        public void close() {
            stopAll(err);
        }
    }

    /**
     * Watches every process of the platform from now on and restarts one that exits. Registered last, so that it
     * stops first: a process stopped on purpose is never taken for a crash.
     */
    private void supervise(Path root, PrintWriter err) {
        List<Supervisor.Component> components = new ArrayList<>(services);
        devstack.infrastructure().forEach(process -> components.add(infrastructure(process)));
        balancers.forEach(balancer -> components.add(infrastructure(balancer)));
        Supervisor.Policy policy = new Supervisor.Policy(maxRestarts, Supervisor.Policy.DEFAULT.firstBackoff(),
                Supervisor.Policy.DEFAULT.maxBackoff(), Supervisor.Policy.DEFAULT.stableAfter(),
                Supervisor.Policy.DEFAULT.checkInterval());
        Supervisor supervisor = new Supervisor(components, policy, err, root.resolve(Supervisor.STATE_FILE),
                java.time.Clock.systemUTC());
        teardown.started("supervisor", supervisor::close);
        supervisor.start();
    }

    private static Supervisor.Component infrastructure(InfrastructureProcess process) {
        return new Supervisor.Component() {
            @Override
            public String name() {
                return process.name();
            }

            @Override
            public boolean isAlive() {
                return process.isRunning();
            }

            @Override
            public String exitDescription() {
                return process.exitDescription();
            }

            @Override
            public void restart() throws Exception {
                process.restart();
            }

            @Override
            public Path log() {
                return process.log();
            }

            @Override
            public long pid() {
                return process.pid();
            }
        };
    }

    /** {@code MNEMO_DEV_JIT=full} gives the services the JDK's usual tiered JIT; by default they get C1 only. */
    static boolean quickJit() {
        return !"full".equalsIgnoreCase(System.getenv().getOrDefault("MNEMO_DEV_JIT", "quick").trim());
    }

    /**
     * Small heaps with the serial collector (a dev platform idles) and, unless {@code MNEMO_DEV_JIT=full}, the C1
     * compiler only: on two cores the C2 compiler threads of three starting services compete with the services
     * themselves (3 s of the 16 s start), and a developer's requests do not need C2's code. Hot loops run slower
     * with C1 only, so the benchmarks refuse such a platform (dev-env.json says {@code "jit": "quick"}).
     */
    static List<String> serviceJvmOptions() {
        List<String> jvm = new ArrayList<>(List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC",
                "-Duser.timezone=UTC"));
        if (quickJit()) {
            jvm.add("-XX:TieredStopAtLevel=1");
        }
        return List.copyOf(jvm);
    }

    /** Waits for every service at once (each records its launch-to-healthy step), failing with the first failure. */
    private static void awaitHealthy(List<ServiceProcess> services, long launched, StartupTimes times)
            throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(services.size(), runnable -> {
            Thread thread = new Thread(runnable, "mnemo-dev-health");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<?>> waits = new ArrayList<>();
            for (ServiceProcess service : services) {
                waits.add(executor.submit(() -> {
                    service.awaitHealthy(Duration.ofSeconds(120));
                    times.record(service.name(), launched, System.nanoTime());
                    return null;
                }));
            }
            for (Future<?> wait : waits) {
                try {
                    wait.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Exception cause) {
                        throw cause;
                    }
                    throw e;
                }
            }
        } finally {
            executor.shutdownNow();
        }
    }

    private ServiceProcess started(ServiceProcess service) {
        teardown.started(service.name(), () -> service.stop(Duration.ofSeconds(30)));
        return service;
    }

    private void printBanner(String ingestUrl, String queryUrl, Path envFile, Path logs, double seconds,
                             String apiKey) {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("""

                Mnemo is running (healthy in %.1f s).
                  ingest API      %s      (admin %s)
                  query service   %s      (admin %s)
                  processors      admin %s
                  Kafka           %s
                  schema registry %s
                  Postgres        primary %s, replicas %s
                  S3              %s  bucket %s
                  environment     %s
                  logs            %s
                  API key         %s
                                  (tenant %s, every scope; replaced on every start; also in the environment file)

                Try it:
                  curl -s -X POST %s/v1/users/alice/memories \\
                       -H "Authorization: Bearer %s" \\
                       -H 'Content-Type: application/json' -H 'Idempotency-Key: first-walk' \\
                       -d '{"occurredAt":"2026-11-01T09:30:00Z","content":"Walked by the river","tags":["walk"]}'
                  curl -s '%s/v1/users/alice/memories?limit=10' -D - \\
                       -H "Authorization: Bearer %s"

                Ctrl-C stops everything; data stays in %s for the next run.
                """, seconds, ingestUrl, String.join(", ", admins("ingest")), queryUrl,
                String.join(", ", admins("query")), String.join(", ", admins("processors")), devstack.kafkaBootstrap(), devstack.schemaRegistryUrl(),
                devstack.primary().jdbcUrl(), String.join(", ", devstack.replicas().stream()
                        .map(PostgresEndpoint::jdbcUrl).toList()), devstack.s3().endpoint(),
                devstack.s3().bucket(), envFile, logs, apiKey, TENANT, ingestUrl, apiKey, queryUrl, apiKey, dataDir);
        out.flush();
    }

    private synchronized void writeEnvFile(Path envFile, String ingestUrl, String queryUrl, String apiKey) throws IOException {
        PostgresEndpoint primary = devstack.primary();
        S3Endpoint s3 = devstack.s3();
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("ingestUrl", ingestUrl);
        env.put("queryUrl", queryUrl);
        Map<String, Object> admin = new LinkedHashMap<>();
        for (String service : List.of("ingest", "query", "processors")) {
            // one URL for the single-node platform (the shape scripts know), a list of instances with --ha
            List<String> urls = admins(service);
            admin.put(service, urls.size() == 1 ? urls.get(0) : urls);
        }
        env.put("adminUrls", admin);
        env.put("kafkaBootstrap", devstack.kafkaBootstrap());
        env.put("schemaRegistryUrl", devstack.schemaRegistryUrl());
        Map<String, Object> postgres = new LinkedHashMap<>();
        postgres.put("primary", primary.jdbcUrl());
        postgres.put("replicas", devstack.replicas().stream().map(PostgresEndpoint::jdbcUrl).toList());
        // the supervisor's names of the servers in their current roles (they change with `mnemo db promote`)
        postgres.put("primaryName", devstack.primaryName());
        postgres.put("replicaNames", devstack.replicaNames());
        postgres.put("user", primary.user());
        postgres.put("password", primary.password() == null ? "" : primary.password());
        env.put("postgres", postgres);
        Map<String, Object> s3Env = new LinkedHashMap<>();
        s3Env.put("endpoint", s3.endpoint());
        s3Env.put("bucket", s3.bucket());
        s3Env.put("region", s3.region());
        s3Env.put("accessKey", s3.accessKey());
        s3Env.put("secretKey", s3.secretKey());
        env.put("s3", s3Env);
        env.put("tenant", TENANT);
        env.put("apiKey", apiKey);
        env.put("jit", quickJit() ? "quick" : "full");
        // where `mnemo db promote` asks this process to fail Postgres over (DevPromotions)
        env.put("control", Map.of("dir", envFile.resolveSibling("control").toString(),
                "pid", ProcessHandle.current().pid()));
        Path tmp = envFile.resolveSibling("dev-env.json.tmp");
        // Owner-only: the file holds an every-scope API key and the database password.
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), env);
        Files.move(tmp, envFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private void provisionTopics(String bootstrap, short replication) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            new TopicProvisioner(admin).ensure(Topics.all(), partitions, replication, Duration.ofSeconds(60));
        }
    }

    /**
     * Stops what was started, newest first: the environment file, the services (they flush to Kafka and
     * Postgres), then the infrastructure; once, whoever calls first (a failure, the end, Ctrl-C).
     */
    private List<Teardown.Failure> stopAll(PrintWriter err) {
        synchronized (stopping) {
            if (teardown.isStopped()) {
                return List.of();
            }
            err.println("Stopping Mnemo ...");
            err.flush();
            List<Teardown.Failure> failures = teardown.stopAll();
            for (Teardown.Failure failure : failures) {
                err.println("Could not stop " + failure.name() + ": " + failure.cause());
            }
            err.println(failures.isEmpty() ? "Stopped." : "Stopped, except what is named above.");
            err.flush();
            return failures;
        }
    }

    private static Map<String, String> with(Map<String, String> base, Map<String, String> extra) {
        Map<String, String> merged = new LinkedHashMap<>(base);
        merged.putAll(extra);
        return merged;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
