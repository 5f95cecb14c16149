package io.mnemo.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Prometheus rules pass promtool (syntax, the burn-rate alerts' unit tests, the scrape config), and every series
 * that an alert or a Grafana panel reads is one the services' code registers: a renamed meter fails here, not
 * as a silent empty panel or an alert that can never fire.
 */
class MonitoringTest {
    private static final Path MONITORING = Command.REPOSITORY.resolve("infra/monitoring");
    private static final ExportedMetrics EXPORTED = ExportedMetrics.fromServiceSources(Command.REPOSITORY);

    @Test
    void promtoolAcceptsTheRulesTheirUnitTestsAndTheScrapeConfig() {
        Command check = Command.run("infra/monitoring/check");

        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS");
    }

    @Test
    void theServicesMetersAreFoundInTheirCode() {
        assertThat(EXPORTED.series()).contains("mnemo_ingest_accepted_total",
                "mnemo_ingest_http_requests_seconds_bucket", "mnemo_query_http_requests_seconds_bucket",
                "mnemo_query_reads_total", "mnemo_processors_sink_lag_seconds",
                "mnemo_processors_sink_batch_seconds_sum", "mnemo_ingest_api_keys_snapshot_age_seconds");
    }

    @Test
    void aSeriesNoServiceExportsIsReported() {
        assertThat(EXPORTED.unknownSeries(
                "sum by (tenant) (rate(mnemo_ingest_acepted_total{topic=\"mnemo_x\"}[5m])) / mnemo:known",
                Set.of("mnemo:known"))).containsExactly("mnemo_ingest_acepted_total");
    }

    @Test
    void everySeriesInAlertsAndRecordingRulesIsExportedOrRecorded() throws IOException {
        Map<String, String> expressions = new TreeMap<>();
        Set<String> recorded = new HashSet<>();
        for (Path file : files(MONITORING.resolve("prometheus/rules"), ".yml")) {
            for (JsonNode group : new YAMLMapper().readTree(file.toFile()).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    String name = rule.has("record") ? rule.get("record").asText() : rule.path("alert").asText();
                    if (rule.has("record")) {
                        recorded.add(name);
                    }
                    expressions.put(file.getFileName() + " " + name, rule.path("expr").asText());
                }
            }
        }
        assertThat(expressions).hasSizeGreaterThan(20);
        expressions.forEach((rule, expr) -> assertThat(EXPORTED.unknownSeries(expr, recorded)).as(rule).isEmpty());
    }

    @Test
    void everyDashboardPanelReadsExportedSeriesFromTheProvisionedDatasource() throws IOException {
        JsonNode datasources = new YAMLMapper().readTree(
                MONITORING.resolve("grafana/provisioning/datasources/prometheus.yml").toFile());
        String uid = datasources.path("datasources").get(0).path("uid").asText();
        Set<String> recorded = recordingRules();
        Set<String> dashboardUids = new HashSet<>();
        List<Path> dashboards = files(MONITORING.resolve("grafana/dashboards"), ".json");
        assertThat(dashboards).hasSize(3);
        for (Path file : dashboards) {
            JsonNode dashboard = new ObjectMapper().readTree(file.toFile());
            assertThat(dashboardUids.add(dashboard.path("uid").asText())).as("unique uid " + file).isTrue();
            int targets = 0;
            for (JsonNode panel : dashboard.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    targets++;
                    String where = file.getFileName() + " / " + panel.path("title").asText();
                    assertThat(target.at("/datasource/uid").asText()).as(where).isEqualTo(uid);
                    assertThat(EXPORTED.unknownSeries(target.path("expr").asText(), recorded)).as(where).isEmpty();
                }
            }
            assertThat(targets).as(file.toString()).isGreaterThan(5);
        }
    }

    @Test
    void theComposeFileMountsWhatProvisioningAndPrometheusRead() throws IOException {
        String compose = Files.readString(Command.REPOSITORY.resolve("infra/compose/compose.yaml"));
        String prometheus = Files.readString(MONITORING.resolve("prometheus/prometheus.yml"));
        String provider = Files.readString(MONITORING.resolve("grafana/provisioning/dashboards/mnemo.yml"));

        assertThat(compose).contains("../monitoring/prometheus/rules:/etc/prometheus/rules:ro")
                .contains("../monitoring/grafana/dashboards:/var/lib/grafana/dashboards:ro")
                .contains("../monitoring/grafana/provisioning:/etc/grafana/provisioning:ro");
        assertThat(prometheus).contains("/etc/prometheus/rules/*.yml");
        assertThat(provider).contains("path: /var/lib/grafana/dashboards");
        for (String target : List.of("ingest-1:8081", "ingest-2:8081", "processors-1:8091", "processors-2:8091",
                "query-1:8083", "query-2:8083", "node-exporter:9100")) {
            assertThat(prometheus).contains(target);
        }
    }

    private static Set<String> recordingRules() throws IOException {
        Set<String> recorded = new HashSet<>();
        for (Path file : files(MONITORING.resolve("prometheus/rules"), ".yml")) {
            for (JsonNode group : new YAMLMapper().readTree(file.toFile()).path("groups")) {
                group.path("rules").forEach(rule -> {
                    if (rule.has("record")) {
                        recorded.add(rule.get("record").asText());
                    }
                });
            }
        }
        return recorded;
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new ArrayList<>(files.filter(f -> f.toString().endsWith(suffix)).sorted().toList());
        }
    }
}
