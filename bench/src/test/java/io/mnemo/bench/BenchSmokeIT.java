package io.mnemo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.mnemo.cli.PlatformApps;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every benchmark at a tiny size on the devstack, so none can rot: each must finish and write its table and JSON
 * with figures in them. Nothing here judges speed (the figures of a CI machine mean nothing); the full runs are
 * on demand (bench/README.md). The rebuild benchmark goes first: it owns the projection while it runs, so the
 * services (whose sink would write the same table) start after it.
 */
@ExtendWith(DevstackExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BenchSmokeIT {
    static final Devstack DEVSTACK = DevstackExtension.devstack();
    static final Path RESULTS = Path.of("target", "bench-smoke");
    static DropwizardAppExtension<?>[] apps;
    static BenchEnvironment env;

    @AfterAll
    static void stopServices() {
        if (apps != null) {
            for (DropwizardAppExtension<?> app : apps) {
                app.after();
            }
        }
    }

    private static BenchEnvironment platform() throws Throwable {
        if (env == null) {
            String apiKey = PlatformApps.apiKey(DEVSTACK, "bench-smoke");
            var processors = PlatformApps.processors(DEVSTACK);
            var ingest = PlatformApps.ingest(DEVSTACK);
            var query = PlatformApps.query(DEVSTACK);
            apps = new DropwizardAppExtension<?>[] {processors, ingest, query};
            for (DropwizardAppExtension<?> app : apps) {
                app.before();
            }
            var pg = DEVSTACK.primary();
            var replica = DEVSTACK.replicas().get(0);
            env = new BenchEnvironment("http://127.0.0.1:" + ingest.getLocalPort(),
                    "http://127.0.0.1:" + query.getLocalPort(), apiKey, DEVSTACK.kafkaBootstrap(),
                    DEVSTACK.schemaRegistryUrl(), new BenchEnvironment.Postgres(pg.jdbcUrl(), pg.user(), pg.password()),
                    new BenchEnvironment.Postgres(replica.jdbcUrl(), replica.user(), replica.password()));
        }
        return env;
    }

    private static void assertWritten(String name, BenchResults results) throws Exception {
        assertThat(results.rowCount()).isPositive();
        try (var files = Files.list(RESULTS)) {
            List<Path> written = files.filter(f -> f.getFileName().toString().startsWith(name + "-")).toList();
            assertThat(written).anyMatch(f -> f.toString().endsWith(".md")).anyMatch(f -> f.toString().endsWith(".json"));
            for (Path file : written) {
                assertThat(Files.readString(file)).contains("cores").containsIgnoringCase("footprint");
            }
        }
    }

    @Test
    @Order(1)
    void theRebuildBenchmarkProducesItsTable() throws Exception {
        BenchResults results = RebuildBench.run(DEVSTACK, 3_000, RESULTS);
        assertThat(results.numbers()).allMatch(n -> n > 0);
        assertWritten("rebuild", results);
    }

    @Test
    @Order(2)
    void theIngestBenchmarkProducesItsTable() throws Throwable {
        BenchResults results = IngestBench.run(platform(), 1, 2, RESULTS);
        assertThat(results.rowCount()).isEqualTo(10);
        assertWritten("ingest", results);
    }

    @Test
    @Order(3)
    void theSinkBenchmarkProducesItsTable() throws Throwable {
        BenchResults results = SinkBench.run(platform(), 2_000, RESULTS);
        assertThat(results.numbers()).allMatch(n -> n > 0);
        assertWritten("sink", results);
    }

    @Test
    @Order(4)
    void theFreshnessBenchmarkProducesItsTable() throws Throwable {
        BenchResults results = FreshnessBench.run(platform(), List.of(200), false, 2, RESULTS);
        assertThat(results.rowCount()).isEqualTo(1);
        assertWritten("freshness", results);
    }

    @Test
    @Order(5)
    void theQueryBenchmarkProducesItsTable() throws Throwable {
        BenchResults results = QueryBench.run(platform(), 5_000, 50, 1, 2, RESULTS);
        // the service through the Java client, then wrk and pgbench when installed
        assertThat(results.rowCount()).isBetween(1, 3);
        assertWritten("query", results);
    }

    @Test
    @Order(5)
    void theSinkDecodeBenchmarkProducesItsTable() throws Exception {
        BenchResults results = SinkDecodeBench.run(2_000, 1, RESULTS);
        assertThat(results.rowCount()).isEqualTo(4);
        assertThat(results.numbers()).allMatch(n -> n > 0);
        assertWritten("sink-decode", results);
    }

    @Test
    @Order(6)
    void theStartupBenchmarkProducesItsTable() throws Exception {
        // `mnemo dev` from this JVM's classpath (./mnemo might start a Maven build), one cold start to healthy
        Path dataDir = Files.createTempDirectory("mnemo-startup-smoke").resolve("dev");
        List<String> launcher = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.mnemo.cli.MnemoCli");
        try {
            BenchResults results = StartupBench.run(launcher, dataDir, List.of("cold-nocds"), 1, 0, RESULTS);
            assertThat(results.numbers()).allMatch(n -> n >= 0);
            assertWritten("startup", results);
            assertThat(Files.readString(Files.list(RESULTS).filter(f -> f.getFileName().toString()
                    .matches("startup-.*\\.md")).findFirst().orElseThrow()))
                    .contains("postgres-primary", "processors", "ingest", "query", "PSS");
        } finally {
            StartupBench.deleteRecursively(dataDir.getParent());
        }
    }
}
