package io.mnemo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mnemo status}: is the platform healthy, and if not, what is down and how far behind is it? A verdict
 * line first, then each service instance, each piece of infrastructure, the Streams state, each consumer's lag in
 * records and seconds, dead letters waiting and the replays and rebuilds (see {@link PlatformStatus}). Exit code 0
 * when healthy, 1 when degraded or down, so it can gate a deploy or a cron alert.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "What is up, what is down, and how far behind each stage is (exit 1 unless healthy).")
final class StatusCommand implements Callable<Integer> {
    static final int UNHEALTHY = 1;

    @Spec
    CommandSpec spec;

    @Mixin
    PostgresOptions postgres;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--replica-url", description = "JDBC URL of a replica to report (repeatable; default: the "
            + "replicas of the env file).")
    List<String> replicaUrls = new ArrayList<>();

    @Option(names = "--ingest-admin-url", description = "Admin URL of an ingest instance (repeatable; default: "
            + "$MNEMO_INGEST_ADMIN_URLS, comma-separated, else the env file).")
    List<URI> ingestAdmins = new ArrayList<>();

    @Option(names = "--query-admin-url", description = "Admin URL of a query-service instance (repeatable; default: "
            + "$MNEMO_QUERY_ADMIN_URLS, else the env file).")
    List<URI> queryAdmins = new ArrayList<>();

    @Option(names = "--processors-admin-url", description = "Admin URL of a stream-processors instance (repeatable; "
            + "default: $MNEMO_PROCESSORS_ADMIN_URLS, else the env file).")
    List<URI> processorsAdmins = new ArrayList<>();

    @Option(names = "--s3-endpoint", description = "S3 endpoint to probe (default: $MNEMO_S3_ENDPOINT, else the env "
            + "file; none: not checked).")
    String s3Endpoint;

    @Option(names = "--max-lag", defaultValue = "60", description = "Seconds of lag (of any consumer, projection or "
            + "replica) beyond which the platform is degraded (default: ${DEFAULT-VALUE}).")
    long maxLagSeconds;

    @Option(names = "--json", description = "Machine-readable output (with --watch: one document per line).")
    boolean json;

    @Option(names = "--watch", description = "Refresh every 2 s until Ctrl-C.")
    boolean watch;

    @Option(names = "--watch-count", hidden = true, description = "Stop watching after this many reports (tests).")
    int watchCount;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PlatformStatus.Targets targets = targets();
        int exit = 0;
        for (int report = 1; ; report++) {
            Map<String, Object> status = PlatformStatus.collect(targets, Clock.systemUTC());
            exit = Boolean.TRUE.equals(status.get("healthy")) ? 0 : UNHEALTHY;
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                if (!watch) {
                    mapper.enable(SerializationFeature.INDENT_OUTPUT);
                }
                out.println(mapper.writeValueAsString(status));
            } else {
                if (watch && System.console() != null) {
                    out.print("\u001b[H\u001b[2J");
                }
                print(out, status);
            }
            out.flush();
            if (!watch || (watchCount > 0 && report >= watchCount)) {
                return exit;
            }
            TimeUnit.SECONDS.sleep(2);
            if (!json) {
                out.println();
            }
        }
    }

    private PlatformStatus.Targets targets() throws IOException {
        PostgresOptions.Connection db = postgres.resolve();
        KafkaOptions.Endpoints endpoints = kafka.resolve();
        JsonNode env = envFile();
        List<String> replicas = new ArrayList<>(replicaUrls);
        List<String> replicaNames = new ArrayList<>();
        if (replicas.isEmpty()) {
            env.path("postgres").path("replicas").forEach(url -> replicas.add(url.asText()));
            // after `mnemo db promote` the roles move: the env file names the server in each role
            env.path("postgres").path("replicaNames").forEach(name -> replicaNames.add(name.asText()));
        }
        for (int i = replicaNames.size(); i < replicas.size(); i++) {
            replicaNames.add("postgres-replica-" + (i + 1));
        }
        String primaryName = replicaUrls.isEmpty() && env.path("postgres").hasNonNull("primaryName")
                ? env.path("postgres").get("primaryName").asText() : "postgres-primary";
        Map<String, List<URI>> admins = new LinkedHashMap<>();
        admins.put("ingest", admins("ingest", ingestAdmins, env));
        admins.put("query", admins("query", queryAdmins, env));
        admins.put("processors", admins("processors", processorsAdmins, env));
        String s3 = s3Endpoint != null ? s3Endpoint : System.getenv("MNEMO_S3_ENDPOINT");
        if ((s3 == null || s3.isBlank()) && env.path("s3").hasNonNull("endpoint")) {
            s3 = env.path("s3").path("endpoint").asText();
        }
        Path supervisor = postgres.envFile == null || env.isMissingNode() ? null
                : postgres.envFile.toAbsolutePath().resolveSibling(Supervisor.STATE_FILE);
        return new PlatformStatus.Targets(endpoints.bootstrap(), endpoints.schemaRegistry(), db, primaryName, replicas,
                replicaNames, admins, s3 == null || s3.isBlank() ? null : s3, supervisor,
                Duration.ofSeconds(maxLagSeconds));
    }

    /** Flags, else {@code $MNEMO_<SERVICE>_ADMIN_URLS}, else the env file's {@code adminUrls} (one URL or a list). */
    private static List<URI> admins(String service, List<URI> flags, JsonNode env) {
        if (!flags.isEmpty()) {
            return flags;
        }
        String variable = System.getenv("MNEMO_" + service.toUpperCase(Locale.ROOT) + "_ADMIN_URLS");
        if (variable != null && !variable.isBlank()) {
            return Arrays.stream(variable.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(URI::create)
                    .toList();
        }
        JsonNode fromEnv = env.path("adminUrls").path(service);
        List<URI> urls = new ArrayList<>();
        if (fromEnv.isArray()) {
            fromEnv.forEach(url -> urls.add(URI.create(url.asText())));
        } else if (fromEnv.isTextual()) {
            urls.add(URI.create(fromEnv.asText()));
        }
        return urls;
    }

    /** The env file of a running {@code mnemo dev}, or a missing node. */
    private JsonNode envFile() throws IOException {
        Path file = postgres.envFile;
        if (file == null || !Files.isRegularFile(file)) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        return new ObjectMapper().readTree(file.toFile());
    }

    @SuppressWarnings("unchecked")
    private static void print(PrintWriter out, Map<String, Object> status) {
        List<String> reasons = (List<String>) status.get("reasons");
        String verdict = ((String) status.get("verdict")).toUpperCase(Locale.ROOT);
        out.println(reasons.isEmpty() ? "Mnemo is HEALTHY" : "Mnemo is " + verdict + ": " + reasons.get(0));
        reasons.stream().skip(1).forEach(reason -> out.println("  also: " + reason));
        out.println();
        out.printf("%-22s %-10s %-9s %s%n", "COMPONENT", "STATE", "RESTARTS", "DETAIL");
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) status.get("services");
        Map<String, Map<String, Object>> infrastructure =
                (Map<String, Map<String, Object>>) status.get("infrastructure");
        Map<String, Map<String, Object>> all = new LinkedHashMap<>(services);
        all.putAll(infrastructure);
        all.forEach((name, entry) -> {
            Object reason = entry.get("reason");
            String detail = reason != null ? reason.toString()
                    : entry.containsKey("lagSeconds") ? String.format("replay lag %.1f s", entry.get("lagSeconds"))
                    : entry.containsKey("brokers") ? entry.get("brokers") + " broker(s) at " + entry.get("bootstrap")
                    : String.valueOf(entry.getOrDefault("admin", entry.getOrDefault("url",
                    entry.getOrDefault("endpoint", ""))));
            Object supervisor = entry.get("supervisor");
            if (supervisor != null && !"running".equals(supervisor)) {
                detail += "  [" + supervisor + (entry.get("log") == null ? "" : ", log " + entry.get("log")) + "]";
            }
            String state = entry.get("state").toString();
            out.printf("%-22s %-10s %-9s %s%n", name, state.equals("up") ? state : state.toUpperCase(Locale.ROOT),
                    entry.getOrDefault("restarts", "-") == null ? "-" : entry.getOrDefault("restarts", "-"), detail);
        });
        Map<String, Object> streams = (Map<String, Object>) status.get("streams");
        out.printf("%-22s %-10s %-9s %s%n", "streams", streams.get("state"), "",
                streams.get("threads") == null ? "" : streams.get("threads") + " thread(s)");
        ((List<String>) status.get("notChecked")).forEach(what -> out.println("not checked: " + what));

        out.println();
        out.printf("%-34s %10s %9s%n", "LAG", "RECORDS", "SECONDS");
        Map<String, Object> processors = (Map<String, Object>) status.get("processors");
        lagLine(out, "stream processors", processors);
        ((Map<String, Map<String, Object>>) status.get("projections")).forEach((name, projection) ->
                lagLine(out, "projection " + name, projection));
        Object deadLetters = status.get("deadLettersWaiting");
        out.printf("dead letters waiting %s%n", deadLetters == null ? "unknown" : deadLetters);
        for (Map<String, Object> operation : (List<Map<String, Object>>) status.get("maintenance")) {
            Object total = operation.get("recordsTotal");
            out.printf("%s of %s  %s%s  %,d%s records  %s%s%n", operation.get("operation"),
                    operation.get("projection"), Boolean.TRUE.equals(operation.get("running")) ? "RUNNING " : "",
                    operation.get("phase"), ((Number) operation.get("recordsDone")).longValue(),
                    total == null ? "" : String.format(" / %,d", ((Number) total).longValue()),
                    operation.get("schema") == null ? "" : "schema " + operation.get("schema") + "  ",
                    operation.get("detail") == null ? "" : operation.get("detail"));
        }
    }

    private static void lagLine(PrintWriter out, String name, Map<String, Object> lag) {
        Object records = lag.get("lag");
        if (!(records instanceof Number number)) {
            out.printf("%-34s %10s %9s  %s%n", name, "unknown", "", lag.getOrDefault("reason", ""));
            return;
        }
        out.printf("%-34s %,10d %9.1f%n", name, number.longValue(), ((Number) lag.get("lagSeconds")).doubleValue());
    }
}
