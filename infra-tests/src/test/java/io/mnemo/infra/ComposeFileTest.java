package io.mnemo.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * infra/compose/compose.yaml passes Debian's {@code docker-compose config} (infra/compose/check installs it with
 * apt-get when missing), and the resolved file keeps the promises of issue 16: health checks that dependants wait
 * on, limits and log rotation on every long-running service, the replicated topology, no defaulted secret.
 */
class ComposeFileTest {
    private static final Path COMPOSE = Command.REPOSITORY.resolve("infra/compose/compose.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static JsonNode services;

    @BeforeAll
    static void resolveComposeFile() throws IOException {
        Command check = Command.run("infra/compose/check");
        assertThat(check.exitCode()).as(check.output()).isZero();
        Command config = Command.run("docker-compose", "--env-file", "infra/compose/.env.example",
                "--project-directory", "infra/compose", "-f", COMPOSE.toString(), "config");
        assertThat(config.exitCode()).as(config.output()).isZero();
        services = YAML.readTree(config.output()).get("services");
    }

    @Test
    void dockerComposeConfigRefusesAMisspelledServiceOption(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Path broken = dir.resolve("compose.yaml");
        Files.writeString(broken, Files.readString(COMPOSE).replaceFirst("    hostname: kafka-1", "    hostnme: kafka-1"));

        Command check = Command.run("infra/compose/check", broken.toString());

        assertThat(check.exitCode()).isNotZero();
        assertThat(check.output()).contains("hostnme");
    }

    @Test
    void runsThreeBrokersAndTwoInstancesOfEveryMnemoService() {
        List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names).contains("kafka-1", "kafka-2", "kafka-3", "postgres-primary", "postgres-replica", "minio",
                "schema-registry", "ingest-1", "ingest-2", "processors-1", "processors-2", "query-1", "query-2",
                "nginx", "prometheus", "grafana");
    }

    @Test
    void everyLongRunningServiceHasAHealthCheckLimitsAndLogRotation() {
        services.fields().forEachRemaining(entry -> {
            String name = entry.getKey();
            JsonNode service = entry.getValue();
            if (service.path("restart").asText().equals("unless-stopped")) {
                assertThat(service.path("healthcheck").path("test").isMissingNode()).as(name + " healthcheck")
                        .isFalse();
                assertThat(service.at("/deploy/resources/limits/memory").asText()).as(name + " memory limit")
                        .isNotEmpty();
                assertThat(service.at("/deploy/resources/limits/cpus").asText()).as(name + " cpu limit")
                        .isNotEmpty();
            }
            assertThat(service.at("/logging/driver").asText()).as(name + " log driver").isEqualTo("json-file");
            assertThat(service.at("/logging/options/max-size").asText()).as(name + " log rotation").isNotEmpty();
        });
    }

    @Test
    void servicesWaitOnlyForDependenciesThatCanReportHealth() {
        services.fields().forEachRemaining(entry -> entry.getValue().path("depends_on").fields().forEachRemaining(
                dependency -> {
                    String condition = dependency.getValue().path("condition").asText();
                    assertThat(condition).as(entry.getKey() + " → " + dependency.getKey())
                            .isIn("service_healthy", "service_completed_successfully");
                    if (condition.equals("service_healthy")) {
                        assertThat(services.path(dependency.getKey()).has("healthcheck"))
                                .as(dependency.getKey() + " has a healthcheck that " + entry.getKey() + " waits on")
                                .isTrue();
                    }
                }));
    }

    @Test
    void secretsHaveNoDefaultInTheComposeFile() throws IOException {
        String raw = Files.readString(COMPOSE);
        for (String secret : List.of("MNEMO_PG_PASSWORD", "MNEMO_PG_INGEST_PASSWORD", "MNEMO_PG_QUERY_PASSWORD",
                "MNEMO_PG_PROCESSOR_PASSWORD", "MNEMO_PG_REPLICATION_PASSWORD", "MNEMO_CURSOR_SECRET", "MNEMO_MASTER_KEY",
                "MINIO_ROOT_PASSWORD", "GRAFANA_ADMIN_PASSWORD")) {
            assertThat(raw).as(secret).contains("${" + secret + ":?").doesNotContain("${" + secret + ":-");
        }
        for (String mnemo : List.of("ingest-1", "processors-1", "query-1")) {
            Map<String, String> env = YAML.convertValue(services.path(mnemo).path("environment"),
                    YAML.getTypeFactory().constructMapType(Map.class, String.class, String.class));
            assertThat(env).as(mnemo).containsEntry("MNEMO_PROFILE", "production")
                    .containsEntry("MNEMO_KAFKA_REPLICATION_FACTOR", "3");
        }
        // the production profile refuses the development master key: ingest and the processors need the real one
        for (String sealing : List.of("ingest-1", "ingest-2", "processors-1", "processors-2")) {
            assertThat(services.path(sealing).path("environment").has("MNEMO_MASTER_KEY")).as(sealing).isTrue();
        }
    }

    @Test
    void eachServiceLogsInToPostgresAsItsOwnRoleWithItsOwnSecret() {
        Map<String, String> roles = Map.of("ingest-1", "mnemo_ingest", "ingest-2", "mnemo_ingest",
                "query-1", "mnemo_query", "query-2", "mnemo_query",
                "processors-1", "mnemo_processor", "processors-2", "mnemo_processor");
        java.util.Set<String> passwords = new java.util.HashSet<>();
        roles.forEach((service, role) -> {
            Map<String, String> env = YAML.convertValue(services.path(service).path("environment"),
                    YAML.getTypeFactory().constructMapType(Map.class, String.class, String.class));
            assertThat(env).as(service).containsEntry("MNEMO_PG_USER", role);
            passwords.add(role + "=" + env.get("MNEMO_PG_PASSWORD"));
        });
        // one secret per role, none of them the owner's (.env.example's values are all different)
        assertThat(passwords).hasSize(3).noneMatch(p -> p.endsWith("=change-me-postgres"));
        Map<String, String> processors = YAML.convertValue(services.path("processors-1").path("environment"),
                YAML.getTypeFactory().constructMapType(Map.class, String.class, String.class));
        assertThat(processors).as("the migration runs as the owner").containsEntry("MNEMO_PG_MIGRATION_USER", "mnemo");
    }
}
