package io.mnemo.bench;

import io.mnemo.kit.auth.ApiKeyStore;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.query.core.MemoryFilter;
import io.mnemo.query.db.MemoriesReadDao;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * The first keyset page of a user's memories (limit 50, newest first) against a running platform: through the
 * query service over HTTP (auth, rate limit, replica routing, JSON) next to pgbench running exactly the service's
 * statement(s) for that request on the same replica, with the same plan mode (the service forces generic plans, so
 * pgbench gets {@code plan_cache_mode=force_generic_plan} too) and the same number of clients.
 *
 * <p>Fairness: the HTTP client speaks HTTP/1.1 (the JDK client otherwise tries an h2c upgrade); {@code wrk} (when
 * installed) cross-checks the Java client; the contenders alternate (Java client, wrk, pgbench) for
 * {@code bench.rounds} rounds (3) and the table shows medians; when {@code bench.pin} (default true) and there are at
 * least two cores, the system under test (this worktree's query service and Postgres processes) runs on core 0 and
 * the load driver (this JVM, pgbench, wrk) on core 1; CPU µs per query is reported per process kind, from
 * /proc/&lt;pid&gt;/stat, counting only this platform's processes. The dataset (seeded size, default 1,000,000
 * memories of 10,000 users, ~300-byte content) is generated once per size with SQL and kept for later runs.
 */
public final class QueryBench {
    /** One contender's figures: q/s, mean, p50 and p99 (ms), and CPU µs per query by process kind. */
    record Measured(double qps, double meanMs, double p50Ms, double p99Ms, Map<String, Long> cpuPerQuery) {
    }

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
        int rounds = Integer.getInteger("bench.rounds", 3);
        var pg = env.primary();
        ProjectionMigrations.migrate(pg.url(), pg.user(), pg.password());
        Jdbi primary = Jdbi.create(pg.url(), pg.user(), pg.password()).installPlugin(new PostgresPlugin());
        String tenant = "bench-query-" + rows + "-" + users;

        System.out.printf("Query benchmark: first page (50) of a random user's memories; %,d memories of %,d users,"
                + " %d clients, %d s per run, %d rounds%n", rows, users, clients, seconds, rounds);
        ensureDataset(primary, tenant, rows, users);
        var replica = env.replica();
        awaitReplica(primary, Jdbi.create(replica.url(), replica.user(), replica.password()));
        String key = new ApiKeyStore(primary).create(tenant, "query-bench", Set.of(Scopes.MEMORIES_READ),
                1_000_000, 1_000_000).plaintext();
        String pinning = pin();
        Path pgbench = findPgbench();
        Path wrk = findWrk();
        String script = pgbenchScript(users);
        // the services refresh their key cache every 30 s; an unknown key is looked up on first use anyway
        http(env.queryUrl(), key, users, clients, Math.min(3, seconds)); // warm-up
        List<Measured> javaRuns = new ArrayList<>();
        List<Measured> wrkRuns = new ArrayList<>();
        List<Measured> pgRuns = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            javaRuns.add(http(env.queryUrl(), key, users, clients, seconds));
            System.out.printf("round %d: Java client %s%n", round, javaRuns.get(javaRuns.size() - 1));
            if (wrk != null) {
                wrkRuns.add(wrk(wrk, env.queryUrl(), key, users, clients, seconds));
                System.out.printf("round %d: wrk %s%n", round, wrkRuns.get(wrkRuns.size() - 1));
            }
            if (pgbench != null) {
                pgRuns.add(pgbench(pgbench, replica.url(), replica.user(), replica.password(), tenant, script,
                        clients, seconds));
                System.out.printf("round %d: pgbench %s%n", round, pgRuns.get(pgRuns.size() - 1));
            }
        }
        String profile = System.getProperty("bench.profile", "");
        if (!profile.isEmpty()) {
            profile(profile, () -> http(env.queryUrl(), key, users, clients, seconds));
        }
        unpin();

        BenchResults table = new BenchResults("query", List.of("run", "q/s", "mean ms", "p50 ms", "p99 ms",
                "q/s vs pgbench", "CPU µs/query"));
        Measured baseline = pgRuns.isEmpty() ? null : median(pgRuns);
        Measured java = median(javaRuns);
        table.row("query service, Java HttpClient (HTTP/1.1), GET /v1/users/{u}/memories?limit=50, " + clients
                + " clients", java.qps(), java.meanMs(), java.p50Ms(), java.p99Ms(),
                baseline == null ? "n/a (no pgbench)" : java.qps() / baseline.qps(), cpu(java));
        if (!wrkRuns.isEmpty()) {
            Measured w = median(wrkRuns);
            table.row("query service, wrk (HTTP/1.1), same request, " + clients + " connections", w.qps(), w.meanMs(),
                    w.p50Ms(), w.p99Ms(), baseline == null ? "n/a (no pgbench)" : w.qps() / baseline.qps(), cpu(w));
        } else {
            table.put("wrk", "not installed (apt-get install -y wrk, as root); no wrk row");
        }
        if (baseline != null) {
            table.row("baseline: pgbench, the service's statement(s), prepared, force_generic_plan, same replica, "
                    + clients + " clients", baseline.qps(), baseline.meanMs(), baseline.p50Ms(), baseline.p99Ms(), 1.0,
                    cpu(baseline));
        } else {
            table.put("pgbench", "not found (Debian/Ubuntu: apt-get install postgresql-client); no baseline");
        }
        table.put("dataset", String.format("%,d memories of %,d users (tenant %s)", rows, users, tenant));
        table.put("method", rounds + " rounds of " + seconds + " s, contenders alternating (Java client, wrk, pgbench)"
                + " within each round; medians per column");
        table.put("pinning", pinning);
        table.put("pgbench script", script.replace("\n", " "));
        table.put("label", System.getProperty("bench.label", ""));
        table.put("rounds (q/s)", "Java " + qpsList(javaRuns) + "; wrk " + qpsList(wrkRuns) + "; pgbench "
                + qpsList(pgRuns));
        table.write(resultsDir);
        return table;
    }

    /**
     * The service's statement(s) for one first page, in order, with their named parameters (taken from the
     * query service's code, so the baseline runs what the service runs).
     */
    static List<String> serviceStatements() {
        // one statement per page: the page joined to the projection's watermark
        return List.of(MemoriesReadDao.pageWithWatermark(MemoryFilter.none(), false));
    }

    /**
     * A pgbench script running {@link #serviceStatements()} for a random user: the tenant, projection and limit
     * are pgbench variables (bound parameters under {@code -M prepared}, as the service binds them), the user is
     * {@code 'user-' || random}, the watermark's partition a random one (one row either way).
     */
    static String pgbenchScript(int users) {
        StringBuilder script = new StringBuilder("\\set u random(0, " + (users - 1) + ")\n"
                + "\\set p random(0, 11)\n");
        Pattern parameter = Pattern.compile("(?<!:):([A-Za-z]\\w*)");
        for (String statement : serviceStatements()) {
            Matcher m = parameter.matcher(statement.replace('\n', ' '));
            StringBuilder sql = new StringBuilder();
            while (m.find()) {
                String replacement = switch (m.group(1)) {
                    case "tenantId" -> ":tenant";
                    case "userId" -> "('user-' || :u)";
                    case "limit" -> ":limit";
                    case "projection" -> ":projection";
                    case "partition" -> ":p";
                    default -> throw new IllegalStateException("no pgbench value for :" + m.group(1));
                };
                m.appendReplacement(sql, Matcher.quoteReplacement(replacement));
            }
            m.appendTail(sql);
            script.append(sql).append(";\n");
        }
        return script.toString();
    }

    private static Measured median(List<Measured> runs) {
        Map<String, Long> cpu = new LinkedHashMap<>();
        runs.get(0).cpuPerQuery().keySet().forEach(kind -> cpu.put(kind, (long) medianOf(runs.stream()
                .mapToDouble(r -> r.cpuPerQuery().getOrDefault(kind, 0L)).toArray())));
        return new Measured(medianOf(runs.stream().mapToDouble(Measured::qps).toArray()),
                medianOf(runs.stream().mapToDouble(Measured::meanMs).toArray()),
                medianOf(runs.stream().mapToDouble(Measured::p50Ms).toArray()),
                medianOf(runs.stream().mapToDouble(Measured::p99Ms).toArray()), cpu);
    }

    private static double medianOf(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static String cpu(Measured m) {
        List<String> parts = new ArrayList<>();
        m.cpuPerQuery().forEach((kind, micros) -> parts.add(kind + " " + micros));
        return String.join(", ", parts);
    }

    private static String qpsList(List<Measured> runs) {
        return runs.stream().map(r -> String.format("%.0f", r.qps())).toList().toString();
    }

    /**
     * CPU µs used so far by this platform's processes (those running from this directory or below, so other
     * checkouts' stacks on the same machine do not count), by kind; the load driver (this JVM and the pgbench or
     * wrk it ran and reaped) is one kind.
     */
    private static Map<String, Long> cpuByKind() {
        Path root = Path.of("").toAbsolutePath();
        Map<String, Long> byKind = new LinkedHashMap<>();
        BenchResults.cpuMicrosByKind(pid -> pid == ProcessHandle.current().pid() || underRoot(pid, root))
                .forEach((kind, micros) -> {
                    if (!kind.equals("bench JVM")) {
                        byKind.put(kind, micros);
                    }
                });
        byKind.put("load driver", BenchResults.cpuMicrosWithReapedChildren(ProcessHandle.current().pid()));
        return byKind;
    }

    private static boolean underRoot(long pid, Path root) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")).startsWith(root);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static List<Long> sutPids() {
        Path root = Path.of("").toAbsolutePath();
        List<Long> pids = new ArrayList<>();
        ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> underRoot(p.pid(), root)).forEach(p -> {
                    String kind = BenchResults.kindOf(p);
                    if (kind.equals("QueryApplication") || kind.startsWith("postgres")) {
                        pids.add(p.pid());
                    }
                });
        return pids;
    }

    /** Pins the system under test to core 0 and this JVM (and so its children) to core 1, when possible. */
    private static String pin() throws IOException, InterruptedException {
        int cores = Runtime.getRuntime().availableProcessors();
        Path taskset = Path.of("/usr/bin/taskset");
        if (!Boolean.parseBoolean(System.getProperty("bench.pin", "true")) || cores < 2
                || !Files.isExecutable(taskset)) {
            return "none (bench.pin=false, fewer than 2 cores or no taskset)";
        }
        List<Long> sut = sutPids();
        if (sut.stream().noneMatch(pid -> ProcessHandle.of(pid).map(BenchResults::kindOf).orElse("")
                .equals("QueryApplication"))) {
            return "none (the query service is not a process of its own here)";
        }
        for (long pid : sut) {
            exec(taskset.toString(), "-a", "-c", "-p", "0", Long.toString(pid));
        }
        exec(taskset.toString(), "-a", "-c", "-p", "1", Long.toString(ProcessHandle.current().pid()));
        return "system under test (query service + " + (sut.size() - 1) + " Postgres processes, new backends inherit)"
                + " on core 0; load driver (bench JVM, pgbench, wrk) on core 1 (taskset)";
    }

    private static void unpin() throws IOException, InterruptedException {
        Path taskset = Path.of("/usr/bin/taskset");
        if (!Files.isExecutable(taskset) || Runtime.getRuntime().availableProcessors() < 2) {
            return;
        }
        String all = "0-" + (Runtime.getRuntime().availableProcessors() - 1);
        List<Long> pids = new ArrayList<>(sutPids());
        pids.add(ProcessHandle.current().pid());
        for (long pid : pids) {
            exec(taskset.toString(), "-a", "-c", "-p", all, Long.toString(pid));
        }
    }

    /**
     * One more Java-client run (not in the table) with async-profiler attached to the query service (CPU, itimer,
     * 10 ms), written as collapsed stacks to {@code file}; needs /tmp/ap/linux-x64/libasyncProfiler.so.
     */
    private static void profile(String file, java.util.concurrent.Callable<Measured> load) throws Exception {
        Path agent = Path.of(System.getProperty("bench.asyncProfiler", "/tmp/ap/linux-x64/libasyncProfiler.so"));
        Long query = sutPids().stream().filter(pid -> ProcessHandle.of(pid).map(BenchResults::kindOf)
                .orElse("").equals("QueryApplication")).findFirst().orElse(null);
        if (query == null || !Files.isReadable(agent)) {
            System.out.println("no profile: query service or " + agent + " not found");
            return;
        }
        exec("jcmd", query.toString(), "JVMTI.agent_load", agent.toString(),
                "\"start,event=itimer,interval=10ms\"");
        Measured profiled = load.call();
        exec("jcmd", query.toString(), "JVMTI.agent_load", agent.toString(), "\"stop,file=" + file + ",collapsed\"");
        System.out.printf("profiled run %s; collapsed stacks in %s%n", profiled, file);
    }

    private static void exec(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        process.waitFor();
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

    /** Closed-loop clients on the JDK HttpClient, HTTP/1.1 (no h2c upgrade attempt). */
    private static Measured http(String queryUrl, String key, int users, int clients, int seconds) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        Map<String, Long> cpuBefore = cpuByKind();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<long[]>> results = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            results.add(pool.submit(() -> {
                long[] latencies = new long[1024];
                int n = 0;
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
                    if (n == latencies.length) {
                        latencies = Arrays.copyOf(latencies, n * 2);
                    }
                    latencies[n++] = System.nanoTime() - t0;
                }
                return Arrays.copyOf(latencies, n);
            }));
        }
        long[] all = new long[0];
        for (Future<long[]> result : results) {
            long[] part = result.get();
            int at = all.length;
            all = Arrays.copyOf(all, at + part.length);
            System.arraycopy(part, 0, all, at, part.length);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        Map<String, Long> cpu = BenchResults.cpuMicrosPerOp(cpuBefore, cpuByKind(), all.length);
        pool.shutdown();
        Arrays.sort(all);
        double mean = Arrays.stream(all).average().orElse(0) / 1e6;
        return new Measured(all.length / elapsed, mean, all[all.length / 2] / 1e6, all[(int) (all.length * 0.99)] / 1e6,
                cpu);
    }

    /** wrk on the same request, a Lua script adding the key and a random user; non-2xx answers fail the run. */
    private static Measured wrk(Path wrk, String queryUrl, String key, int users, int clients, int seconds)
            throws IOException, InterruptedException {
        Path lua = Files.createTempFile("query-bench", ".lua");
        Files.writeString(lua, "math.randomseed(42)\n"
                + "request = function()\n"
                + "  return wrk.format(\"GET\", \"/v1/users/user-\" .. math.random(0, " + (users - 1)
                + ") .. \"/memories?limit=50\", {[\"Authorization\"] = \"Bearer " + key + "\"})\n"
                + "end\n");
        Map<String, Long> cpuBefore = cpuByKind();
        Process process = new ProcessBuilder(wrk.toString(), "-t", "2", "-c", Integer.toString(clients), "-d",
                seconds + "s", "--timeout", "10s", "--latency", "-s", lua.toString(), queryUrl).redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        Files.deleteIfExists(lua);
        // a timeout (10 s) is a slow answer, reported in the latencies; an error answer or a broken socket fails
        if (output.contains("Non-2xx") || Pattern.compile("Socket errors: connect [1-9]|read [1-9]|write [1-9]")
                .matcher(output).find()) {
            throw new IllegalStateException("wrk saw failed requests:\n" + output);
        }
        Matcher total = Pattern.compile("(\\d+) requests in ([0-9.]+)s").matcher(output);
        if (!total.find()) {
            throw new IllegalStateException("unexpected wrk output:\n" + output);
        }
        long requests = Long.parseLong(total.group(1));
        Map<String, Long> cpu = BenchResults.cpuMicrosPerOp(cpuBefore, cpuByKind(), requests);
        return new Measured(requests / Double.parseDouble(total.group(2)), wrkMillis(output, "Latency\\s+"),
                wrkMillis(output, "\\s50%\\s+"), wrkMillis(output, "\\s99%\\s+"), cpu);
    }

    private static double wrkMillis(String output, String prefix) {
        Matcher m = Pattern.compile(prefix + "([0-9.]+)(us|ms|s)").matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no " + prefix + " in wrk output:\n" + output);
        }
        double value = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
    }

    /** pgbench on the script, prepared, generic plans like the service; latency percentiles from its log. */
    private static Measured pgbench(Path pgbench, String jdbcUrl, String user, String password, String tenant,
                                    String scriptText, int clients, int seconds)
            throws IOException, InterruptedException {
        Matcher url = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/([^?]+)").matcher(jdbcUrl);
        if (!url.find()) {
            throw new IllegalArgumentException("cannot read host/port/database from " + jdbcUrl);
        }
        Path script = Files.createTempFile("query-bench", ".sql");
        Files.writeString(script, scriptText);
        Path logs = Files.createTempDirectory("query-bench-pgbench");
        ProcessBuilder builder = new ProcessBuilder(pgbench.toString(), "-n", "-M", "prepared", "-c",
                Integer.toString(clients), "-j", "2", "-T", Integer.toString(seconds), "-f", script.toString(),
                "-D", "tenant=" + tenant, "-D", "limit=51", "-D", "projection=memories", "-l", "--log-prefix",
                logs.resolve("log").toString(), "-h", url.group(1), "-p", url.group(2), "-U", user, url.group(3))
                .redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", password);
        builder.environment().put("PGOPTIONS", "-c plan_cache_mode=force_generic_plan -c statement_timeout=5000");
        Map<String, Long> cpuBefore = cpuByKind();
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        Matcher tps = Pattern.compile("tps = ([0-9.]+)").matcher(output);
        Matcher latency = Pattern.compile("latency average = ([0-9.]+) ms").matcher(output);
        Matcher processed = Pattern.compile("number of transactions actually processed: (\\d+)").matcher(output);
        if (!tps.find() || !latency.find() || !processed.find()
                || (output.contains("failed transactions:") && !output.contains("failed transactions: 0 "))) {
            throw new IllegalStateException("unexpected pgbench output:\n" + output);
        }
        long transactions = Long.parseLong(processed.group(1));
        // pgbench's backends exit as it disconnects; until the server reaps them they are zombies with no command
        // line, which the CPU snapshot cannot attribute: give the server a moment so their time lands in its cutime
        Thread.sleep(1000);
        Map<String, Long> cpu = BenchResults.cpuMicrosPerOp(cpuBefore, cpuByKind(), transactions);
        List<Long> micros = new ArrayList<>();
        try (var files = Files.list(logs)) {
            for (Path log : files.toList()) {
                for (String line : Files.readAllLines(log)) {
                    String[] fields = line.split(" ");
                    if (fields.length > 2) {
                        micros.add(Long.parseLong(fields[2]));
                    }
                }
                Files.delete(log);
            }
        }
        Files.delete(logs);
        Files.delete(script);
        long[] sorted = micros.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Measured(Double.parseDouble(tps.group(1)), Double.parseDouble(latency.group(1)),
                sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2] / 1e3,
                sorted.length == 0 ? Double.NaN : sorted[(int) (sorted.length * 0.99)] / 1e3, cpu);
    }

    /** wrk on the PATH, installed with apt-get when missing and running as root; null (no wrk row) otherwise. */
    private static Path findWrk() throws IOException, InterruptedException {
        Path found = onPath("wrk");
        if (found == null && "root".equals(System.getProperty("user.name"))
                && Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            System.out.println("wrk not installed; apt-get install -y wrk");
            exec("apt-get", "install", "-y", "-q", "wrk");
            found = onPath("wrk");
        }
        if (found == null) {
            System.out.println("wrk not found and not installable here (needs root: apt-get install -y wrk); no wrk row");
        }
        return found;
    }

    private static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
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
