package io.mnemo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackOptions;
import io.mnemo.devstack.PostgresEndpoint;
import io.mnemo.devstack.S3Endpoint;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.schemas.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mnemo dev}: starts devstack (data kept under {@code .mnemo/}) and the three services in their own
 * JVMs, writes {@code .mnemo/dev-env.json} once all are healthy, and stops everything on Ctrl-C or SIGTERM.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Run the whole platform locally on real Kafka, PostgreSQL (primary + replica) and S3.")
public final class DevCommand implements java.util.concurrent.Callable<Integer> {
    static final String TENANT = "dev";

    @Option(names = "--data-dir", defaultValue = ".mnemo", description = "Where data, logs and dev-env.json live "
            + "(default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--partitions", defaultValue = "12", description = "Partitions of every Mnemo topic.")
    int partitions;

    @Option(names = "--exit-when-ready", hidden = true, description = "Stop once healthy (for tests and timing).")
    boolean exitWhenReady;

    private final List<ServiceProcess> services = Collections.synchronizedList(new ArrayList<>());
    private volatile Devstack devstack;
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        Path root = dataDir.toAbsolutePath();
        Path envFile = root.resolve("dev-env.json");
        Files.createDirectories(root);
        Files.deleteIfExists(envFile);
        Thread shutdown = new Thread(() -> stopAll(envFile), "mnemo-dev-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);

        System.out.println("Starting devstack in " + root + " ...");
        devstack = Devstack.start(DevstackOptions.persistent(root.resolve("devstack")));
        devstack.takeOverShutdown();
        provisionTopics(devstack.kafkaBootstrap());
        // Before the services start, so their key caches load it with their first snapshot.
        String apiKey = DevKey.rotate(devstack.primary(), TENANT);

        int ingestPort = freePort();
        int ingestAdmin = freePort();
        int queryPort = freePort();
        int queryAdmin = freePort();
        int processorsAdmin = freePort();
        PostgresEndpoint primary = devstack.primary();
        PostgresEndpoint replica = devstack.replicas().get(0);
        Map<String, String> common = new LinkedHashMap<>();
        common.put("MNEMO_KAFKA_BOOTSTRAP", devstack.kafkaBootstrap());
        common.put("MNEMO_SCHEMA_REGISTRY_URL", devstack.schemaRegistryUrl());
        common.put("MNEMO_KAFKA_PARTITIONS", Integer.toString(partitions));
        common.put("MNEMO_PG_PRIMARY_URL", primary.jdbcUrl());
        common.put("MNEMO_PG_REPLICA_URL", replica.jdbcUrl());
        common.put("MNEMO_PG_USER", primary.user());
        common.put("MNEMO_PG_PASSWORD", primary.password() == null ? "" : primary.password());
        common.put("MNEMO_STREAMS_STATE_DIR", root.resolve("streams").toString());
        S3Endpoint media = devstack.s3();
        common.put("MNEMO_S3_ENDPOINT", media.endpoint());
        common.put("MNEMO_S3_REGION", media.region());
        common.put("MNEMO_S3_BUCKET", media.bucket());
        common.put("MNEMO_S3_ACCESS_KEY", media.accessKey());
        common.put("MNEMO_S3_SECRET_KEY", media.secretKey());
        common.put("MNEMO_S3_PATH_STYLE", "true");
        Path logs = root.resolve("logs");

        List<String> jvm = List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC",
                "-Duser.timezone=UTC");
        services.add(ServiceProcess.start("processors", "io.mnemo.processors.ProcessorsApplication",
                "stream-processors.yml", jvm, with(common, Map.of("MNEMO_ADMIN_PORT", "" + processorsAdmin)),
                processorsAdmin, logs));
        services.add(ServiceProcess.start("ingest", "io.mnemo.ingest.IngestApplication", "ingest-api.yml", jvm,
                with(common, Map.of("MNEMO_HTTP_PORT", "" + ingestPort, "MNEMO_ADMIN_PORT", "" + ingestAdmin)),
                ingestAdmin, logs));
        services.add(ServiceProcess.start("query", "io.mnemo.query.QueryApplication", "query-service.yml", jvm,
                with(common, Map.of("MNEMO_HTTP_PORT", "" + queryPort, "MNEMO_ADMIN_PORT", "" + queryAdmin)),
                queryAdmin, logs));
        for (ServiceProcess service : List.copyOf(services)) {
            service.awaitHealthy(Duration.ofSeconds(120));
        }

        String ingestUrl = "http://127.0.0.1:" + ingestPort;
        String queryUrl = "http://127.0.0.1:" + queryPort;
        writeEnvFile(envFile, ingestUrl, queryUrl, apiKey);
        double seconds = (System.nanoTime() - started) / 1e9;
        printBanner(ingestUrl, queryUrl, envFile, logs, seconds, apiKey);

        if (exitWhenReady) {
            return 0;
        }
        stopped.await();
        return 0;
    }

    private void printBanner(String ingestUrl, String queryUrl, Path envFile, Path logs, double seconds,
                             String apiKey) {
        System.out.printf("""

                Mnemo is running (healthy in %.1f s).
                  ingest API      %s      (admin %s)
                  query service   %s      (admin %s)
                  processors      admin %s
                  Kafka           %s
                  schema registry %s
                  Postgres        primary %s, replica %s
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
                """, seconds, ingestUrl, services.get(1).adminUrl(), queryUrl, services.get(2).adminUrl(),
                services.get(0).adminUrl(), devstack.kafkaBootstrap(), devstack.schemaRegistryUrl(),
                devstack.primary().jdbcUrl(), devstack.replicas().get(0).jdbcUrl(), devstack.s3().endpoint(),
                devstack.s3().bucket(), envFile, logs, apiKey, TENANT, ingestUrl, apiKey, queryUrl, apiKey, dataDir);
        System.out.flush();
    }

    private void writeEnvFile(Path envFile, String ingestUrl, String queryUrl, String apiKey) throws IOException {
        PostgresEndpoint primary = devstack.primary();
        S3Endpoint s3 = devstack.s3();
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("ingestUrl", ingestUrl);
        env.put("queryUrl", queryUrl);
        Map<String, String> admin = new LinkedHashMap<>();
        admin.put("ingest", services.get(1).adminUrl().toString());
        admin.put("query", services.get(2).adminUrl().toString());
        admin.put("processors", services.get(0).adminUrl().toString());
        env.put("adminUrls", admin);
        env.put("kafkaBootstrap", devstack.kafkaBootstrap());
        env.put("schemaRegistryUrl", devstack.schemaRegistryUrl());
        Map<String, Object> postgres = new LinkedHashMap<>();
        postgres.put("primary", primary.jdbcUrl());
        postgres.put("replicas", devstack.replicas().stream().map(PostgresEndpoint::jdbcUrl).toList());
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
        Path tmp = envFile.resolveSibling("dev-env.json.tmp");
        // Owner-only: the file holds an every-scope API key and the database password.
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), env);
        Files.move(tmp, envFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private void provisionTopics(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            new TopicProvisioner(admin).ensure(Topics.all(), partitions, (short) 1, Duration.ofSeconds(60));
        }
    }

    /** Stops services first (they flush to Kafka and Postgres), then the infrastructure. */
    private void stopAll(Path envFile) {
        System.out.println("Stopping Mnemo ...");
        try {
            Files.deleteIfExists(envFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<ServiceProcess> running = new ArrayList<>(services);
        Collections.reverse(running);
        for (ServiceProcess service : running) {
            try {
                service.stop(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (devstack != null) {
            devstack.close();
        }
        stopped.countDown();
        System.out.println("Stopped.");
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
