package io.mnemo.bench;

import io.mnemo.kit.auth.ApiKeyStore;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.schemas.ProjectionMigrations;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;

/**
 * The first keyset page of a user's memories (limit 50, newest first) against a running platform:
 * through the query service over HTTP (auth, rate limit, replica routing, JSON) next to pgbench running the same
 * SQL, prepared, on the same replica with the same number of clients: q/s and latency, and the ratio. The
 * dataset (seeded size, default 1,000,000 memories of 10,000 users, ~300-byte content) is generated once per
 * size with SQL and kept for later runs.
 */
public final class QueryBench {
    static final String PAGE_SQL = "SELECT memory_id, user_id, occurred_at, recorded_at, content, tags, "
            + "attributes::text, media_ids, version FROM memories WHERE tenant_id = :tenant AND user_id = :user "
            + "ORDER BY occurred_at DESC, memory_id DESC LIMIT 51";

    public static void main(String[] args) throws Exception {
        BenchEnvironment env = BenchEnvironment.fromEnvFile(Path.of(args.length > 0 ? args[0] : ".mnemo/dev-env.json"));
        run(env, Integer.parseInt(System.getProperty("bench.rows", "1000000")),
                Integer.parseInt(System.getProperty("bench.users", "10000")),
                Integer.parseInt(System.getProperty("bench.seconds", "15")),
                Integer.parseInt(System.getProperty("bench.clients", "8")),
                Path.of(System.getProperty("bench.results", "bench/results")));
    }

    static BenchResults run(BenchEnvironment env, int rows, int users, int seconds, int clients, Path resultsDir)
            throws Exception {
        var pg = env.primary();
        ProjectionMigrations.migrate(pg.url(), pg.user(), pg.password());
        Jdbi primary = Jdbi.create(pg.url(), pg.user(), pg.password()).installPlugin(new PostgresPlugin());
        String tenant = "bench-query-" + rows + "-" + users;

        System.out.printf("Query benchmark: first page (50) of a random user's memories; %,d memories of %,d users,"
                + " %d clients, %d s per run%n", rows, users, clients, seconds);
        ensureDataset(primary, tenant, rows, users);
        var replica = env.replica();
        awaitReplica(primary, Jdbi.create(replica.url(), replica.user(), replica.password()));
        String key = new ApiKeyStore(primary).create(tenant, "query-bench", Set.of(Scopes.MEMORIES_READ),
                1_000_000, 1_000_000).plaintext();
        // the services refresh their key cache every 30 s; an unknown key is looked up on first use anyway
        http(env.queryUrl(), key, users, clients, Math.min(3, seconds)); // warm-up
        double[] service = http(env.queryUrl(), key, users, clients, seconds);
        double[] baseline = pgbench(replica.url(), replica.user(), replica.password(), tenant, users, clients, seconds);

        BenchResults table = new BenchResults("query", List.of("run", "q/s", "mean ms", "p50 ms", "p99 ms",
                "q/s vs pgbench"));
        table.row("query service, HTTP GET /v1/users/{u}/memories?limit=50, " + clients + " clients", service[0],
                service[1], service[2], service[3], baseline == null ? "n/a (no pgbench)" : service[0] / baseline[0]);
        if (baseline != null) {
            table.row("baseline: pgbench, same SQL (prepared), same replica, " + clients + " clients", baseline[0],
                    baseline[1], "–", "–", 1.0);
        }
        table.put("dataset", String.format("%,d memories of %,d users (tenant %s)", rows, users, tenant));
        table.write(resultsDir);
        return table;
    }

    private static void ensureDataset(Jdbi primary, String tenant, int rows, int users) {
        long existing = primary.withHandle(h -> h.createQuery("SELECT count(*) FROM memories WHERE tenant_id = :t")
                .bind("t", tenant).mapTo(Long.class).one());
        if (existing == rows) {
            System.out.printf("Dataset %s present (%,d rows)%n", tenant, existing);
            return;
        }
        long start = System.nanoTime();
        primary.useHandle(h -> {
            h.execute("DELETE FROM memories WHERE tenant_id = ?", tenant);
            for (int m = 0; m < 13; m++) {
                h.createQuery("SELECT mnemo_ensure_memories_month(CAST(date_trunc('month', now()) "
                        + "- make_interval(months => :m) AS date), 8)").bind("m", m).mapTo(Boolean.class).one();
            }
            // deterministic: user and time derive from the row number (setseed makes the content reproducible)
            h.execute("SELECT setseed(0.42)");
            h.createUpdate("""
                    INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, tags,
                                          version, source_partition, source_offset)
                    SELECT :t, 'user-' || (g % :users), date_trunc('month', now()) - (g % 360) * interval '1 day'
                               - (g % 86400) * interval '1 second',
                           md5(:t || g)::uuid, now(), 'memory ' || g || ' ' || repeat(md5(g::text), 9),
                           ARRAY['t' || (g % 7)], 1, 0, g
                    FROM generate_series(1, :rows) AS g""")
                    .bind("t", tenant).bind("users", users).bind("rows", rows).execute();
            h.execute("ANALYZE memories");
        });
        System.out.printf("Generated %,d rows in %.1f s%n", rows, (System.nanoTime() - start) / 1e9);
    }

    private static void awaitReplica(Jdbi primary, Jdbi replica) throws InterruptedException {
        String lsn = primary.withHandle(h -> h.createQuery("SELECT pg_current_wal_lsn()::text").mapTo(String.class)
                .one());
        while (!replica.withHandle(h -> h.createQuery("SELECT pg_last_wal_replay_lsn() >= CAST(:l AS pg_lsn)")
                .bind("l", lsn).mapTo(Boolean.class).one())) {
            Thread.sleep(200);
        }
    }

    /** q/s, mean, p50, p99 (ms) of closed-loop clients. */
    private static double[] http(String queryUrl, String key, int users, int clients, int seconds) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<List<Long>>> results = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            results.add(pool.submit(() -> {
                List<Long> latencies = new ArrayList<>();
                while (System.nanoTime() < end) {
                    String userId = "user-" + ThreadLocalRandom.current().nextInt(users);
                    long t0 = System.nanoTime();
                    HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(queryUrl
                                    + "/v1/users/" + userId + "/memories?limit=50"))
                            .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofByteArray());
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("HTTP " + response.statusCode() + ": "
                                + new String(response.body()));
                    }
                    latencies.add(System.nanoTime() - t0);
                }
                return latencies;
            }));
        }
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> result : results) {
            all.addAll(result.get());
        }
        pool.shutdown();
        long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
        double mean = Arrays.stream(sorted).average().orElse(0) / 1e6;
        return new double[] {sorted.length / (double) seconds, mean, sorted[sorted.length / 2] / 1e6,
                sorted[(int) (sorted.length * 0.99)] / 1e6};
    }

    /** q/s and mean latency (ms) reported by pgbench, or null when pgbench is not installed. */
    private static double[] pgbench(String jdbcUrl, String user, String password, String tenant, int users,
                                    int clients, int seconds) throws IOException, InterruptedException {
        Path pgbench = findPgbench();
        if (pgbench == null) {
            System.out.println("pgbench not found (Debian/Ubuntu: apt-get install postgresql-client); no baseline");
            return null;
        }
        Matcher url = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/([^?]+)").matcher(jdbcUrl);
        if (!url.find()) {
            throw new IllegalArgumentException("cannot read host/port/database from " + jdbcUrl);
        }
        Path script = Files.createTempFile("query-bench", ".sql");
        Files.writeString(script, "\\set u random(0, " + (users - 1) + ")\n"
                + PAGE_SQL.replace(":tenant", "'" + tenant + "'").replace(":user", "'user-' || :u") + ";\n");
        ProcessBuilder builder = new ProcessBuilder(pgbench.toString(), "-n", "-M", "prepared", "-c",
                Integer.toString(clients), "-j", "2", "-T", Integer.toString(seconds), "-f", script.toString(),
                "-h", url.group(1), "-p", url.group(2), "-U", user, url.group(3)).redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", password);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        Matcher tps = Pattern.compile("tps = ([0-9.]+)").matcher(output);
        Matcher latency = Pattern.compile("latency average = ([0-9.]+) ms").matcher(output);
        if (!tps.find() || !latency.find()) {
            throw new IllegalStateException("unexpected pgbench output:\n" + output);
        }
        return new double[] {Double.parseDouble(tps.group(1)), Double.parseDouble(latency.group(1))};
    }

    private static Path findPgbench() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, "pgbench");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (var versions = Files.list(debian)) {
                return versions.map(v -> v.resolve("bin/pgbench")).filter(Files::isExecutable)
                        .sorted(java.util.Comparator.reverseOrder()).findFirst().orElse(null);
            }
        }
        return null;
    }
}
