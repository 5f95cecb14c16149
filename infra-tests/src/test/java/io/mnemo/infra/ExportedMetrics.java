package io.mnemo.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Prometheus series names the services export, derived from the Micrometer meters their code registers
 * ({@code Counter.builder("mnemo.ingest.accepted")} → {@code mnemo_ingest_accepted_total}), and a check that the
 * series a PromQL expression names are among them.
 */
final class ExportedMetrics {
    private static final List<String> SERVICE_MODULES = List.of("service-kit", "ingest-api", "stream-processors",
            "query-service");
    private static final Pattern METER = Pattern.compile(
            "(Counter|Gauge|Timer|FunctionTimer|FunctionCounter)\\.builder\\(\\s*"
                    + "(\"(mnemo\\.[a-z0-9.]+)\"|prefix \\+ \"([a-z0-9.]+)\"|\"mnemo\\.\" \\+ service \\+ \"([a-z0-9.]+)\")");
    private static final Pattern HTTP_SERVICE = Pattern.compile("new HttpMetrics\\(\\w+, \"(\\w+)\"\\)");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern LABELS = Pattern.compile("\\{[^}]*}");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_:]*");

    /**
     * Kafka client metrics as Micrometer's KafkaStreamsMetrics names them (group without "-metrics", then the
     * metric name): they cannot be derived from Mnemo's code, so the ones dashboards and alerts use are listed.
     */
    static final Set<String> KAFKA_STREAMS_METRICS = Set.of(
            "kafka_consumer_fetch_manager_records_lag",
            "kafka_stream_thread_commit_rate",
            "kafka_stream_thread_commit_latency_avg",
            "kafka_producer_topic_record_send_total");
    /** From node exporter (infra/compose) and Prometheus itself. */
    static final Set<String> INFRASTRUCTURE_METRICS = Set.of("node_filesystem_avail_bytes",
            "node_filesystem_size_bytes", "up");

    private final Set<String> series;

    ExportedMetrics(Set<String> series) {
        this.series = Set.copyOf(series);
    }

    static ExportedMetrics fromServiceSources(Path repository) {
        Set<String> services = new TreeSet<>();
        StringBuilder code = new StringBuilder();
        for (String module : SERVICE_MODULES) {
            try (Stream<Path> files = Files.walk(repository.resolve(module).resolve("src/main/java"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    code.append(Files.readString(file)).append('\n');
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Matcher http = HTTP_SERVICE.matcher(code);
        while (http.find()) {
            services.add(http.group(1));
        }
        Set<String> series = new HashSet<>();
        Matcher meter = METER.matcher(code);
        while (meter.find()) {
            String type = meter.group(1);
            Set<String> names = new HashSet<>();
            if (meter.group(3) != null) {
                names.add(meter.group(3));
            } else {
                String suffix = meter.group(4) != null ? meter.group(4) : meter.group(5);
                services.forEach(service -> names.add("mnemo." + service + suffix));
            }
            for (String name : names) {
                String base = name.replace('.', '_');
                switch (type) {
                    case "Counter", "FunctionCounter" -> series.add(base + "_total");
                    case "Timer" -> Stream.of("_count", "_sum", "_max", "_bucket")
                            .forEach(s -> series.add(base + "_seconds" + s));
                    case "FunctionTimer" -> Stream.of("_count", "_sum").forEach(s -> series.add(base + "_seconds" + s));
                    default -> series.add(base);
                }
            }
        }
        return new ExportedMetrics(series);
    }

    Set<String> series() {
        return series;
    }

    /** The series names in a PromQL expression that are neither exported, nor recorded, nor known. */
    Set<String> unknownSeries(String promql, Set<String> recordingRules) {
        String code = LABELS.matcher(STRING.matcher(promql).replaceAll("\"\"")).replaceAll("{}");
        Set<String> unknown = new TreeSet<>();
        Matcher identifier = IDENTIFIER.matcher(code);
        while (identifier.find()) {
            String name = identifier.group();
            boolean metric = name.startsWith("mnemo") || name.startsWith("kafka_") || name.startsWith("node_")
                    || name.equals("up");
            if (metric && !series.contains(name) && !recordingRules.contains(name)
                    && !KAFKA_STREAMS_METRICS.contains(name) && !INFRASTRUCTURE_METRICS.contains(name)) {
                unknown.add(name);
            }
        }
        return unknown;
    }
}
