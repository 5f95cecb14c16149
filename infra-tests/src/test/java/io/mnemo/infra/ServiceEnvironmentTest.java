package io.mnemo.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every MNEMO_* variable the deployment assets set is one the service it is set for reads (its shipped YAML, or the
 * image's entry point): a misspelt name would otherwise be ignored and the service would run on its development
 * default, such as a broker on 127.0.0.1.
 */
class ServiceEnvironmentTest {
    private static final Pattern YAML_VARIABLE = Pattern.compile("\\$\\{(MNEMO_[A-Z0-9_]+)");
    private static final Pattern NAME = Pattern.compile("\\b(MNEMO_[A-Z0-9_]+)\\b");
    /** Read by infra/docker/entrypoint, not by the YAML. */
    private static final Set<String> ENTRYPOINT = Set.of("MNEMO_JAR");
    private static final Map<String, String> YAML_OF = Map.of(
            "ingest-api", "ingest-api/src/main/resources/ingest-api.yml",
            "stream-processors", "stream-processors/src/main/resources/stream-processors.yml",
            "query-service", "query-service/src/main/resources/query-service.yml");

    static Set<String> readBy(String module) throws IOException {
        Set<String> read = new HashSet<>(ENTRYPOINT);
        Matcher variable = YAML_VARIABLE.matcher(Files.readString(Command.REPOSITORY.resolve(YAML_OF.get(module))));
        while (variable.find()) {
            read.add(variable.group(1));
        }
        return read;
    }

    /**
     * What the CLI image reads (the migration container, operator commands): the MNEMO_* names its code and the
     * role passwords' table (ServiceRoles) spell out, plus the entry point's.
     */
    static Set<String> readByCli() throws IOException {
        Set<String> read = new HashSet<>(ENTRYPOINT);
        Pattern literal = Pattern.compile("\"(MNEMO_[A-Z0-9_]+)\"");
        List<Path> sources = new java.util.ArrayList<>();
        try (Stream<Path> files = Files.walk(Command.REPOSITORY.resolve("cli/src/main/java"))) {
            sources.addAll(files.filter(f -> f.toString().endsWith(".java")).toList());
        }
        sources.add(Command.REPOSITORY.resolve("schemas/src/main/java/io/mnemo/schemas/ServiceRoles.java"));
        for (Path source : sources) {
            Matcher name = literal.matcher(Files.readString(source));
            while (name.find()) {
                read.add(name.group(1));
            }
        }
        return read;
    }

    static Set<String> readByAnyService() throws IOException {
        Set<String> read = new HashSet<>();
        for (String module : YAML_OF.keySet()) {
            read.addAll(readBy(module));
        }
        return read;
    }

    /** The names among {@code set} that nothing in {@code read} reads ({@code X_FILE} counts as X). */
    static Set<String> unread(Iterable<String> set, Set<String> read) {
        Set<String> unread = new TreeSet<>();
        for (String name : set) {
            String variable = name.endsWith("_FILE") ? name.substring(0, name.length() - 5) : name;
            if (name.startsWith("MNEMO_") && !read.contains(variable)) {
                unread.add(name);
            }
        }
        return unread;
    }

    private static String moduleOf(String name) {
        if (name.contains("ingest")) {
            return "ingest-api";
        }
        return name.contains("processors") ? "stream-processors" : "query-service";
    }

    @Test
    void aMisspeltVariableIsReported() throws IOException {
        assertThat(unread(List.of("MNEMO_KAFKA_BOOTSTAP", "MNEMO_KAFKA_BOOTSTRAP", "MNEMO_PG_PASSWORD_FILE"),
                readBy("ingest-api"))).containsExactly("MNEMO_KAFKA_BOOTSTAP");
    }

    @Test
    void composeSetsOnlyVariablesEachServiceReads() throws IOException {
        Command check = Command.run("infra/compose/check");
        assertThat(check.exitCode()).as(check.output()).isZero();
        Command config = Command.run("docker-compose", "--env-file", "infra/compose/.env.example",
                "--project-directory", "infra/compose", "-f", "infra/compose/compose.yaml", "config");
        assertThat(config.exitCode()).as(config.output()).isZero();
        JsonNode services = new YAMLMapper().readTree(config.output()).path("services");
        int checked = 0;
        for (String service : List.of("ingest-1", "ingest-2", "processors-1", "processors-2", "query-1", "query-2")) {
            Set<String> set = new HashSet<>();
            services.path(service).path("environment").fieldNames().forEachRemaining(set::add);
            assertThat(unread(set, readBy(moduleOf(service)))).as(service).isEmpty();
            checked += set.size();
        }
        assertThat(checked).isGreaterThan(60);
    }

    @Test
    void dockerfilesSetOnlyVariablesTheirServiceReads() throws IOException {
        for (String module : YAML_OF.keySet()) {
            Set<String> set = new HashSet<>();
            for (String line : Files.readAllLines(Command.REPOSITORY.resolve(module).resolve("Dockerfile"))) {
                Matcher assignment = Pattern.compile("(MNEMO_[A-Z0-9_]+)=").matcher(line);
                while (assignment.find()) {
                    set.add(assignment.group(1));
                }
            }
            assertThat(set).as(module).isNotEmpty();
            assertThat(unread(set, readBy(module))).as(module).isEmpty();
        }
    }

    @Test
    void kubernetesSetsOnlyVariablesTheServicesRead() throws IOException {
        Path manifests = Command.REPOSITORY.resolve("infra/kubernetes");
        List<HasMetadata> objects = new java.util.ArrayList<>();
        try (Stream<Path> files = Files.list(manifests)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                objects.addAll(KubernetesManifestsTest.parse(Files.readString(file), file.toString()));
            }
        }
        for (HasMetadata object : objects) {
            if (object instanceof ConfigMap config) {
                assertThat(unread(config.getData().keySet(), readByAnyService())).isEmpty();
            }
            List<Container> containers = object instanceof Deployment d ? d.getSpec().getTemplate().getSpec()
                    .getContainers() : object instanceof StatefulSet s ? s.getSpec().getTemplate().getSpec()
                    .getContainers() : List.of();
            for (Container container : containers) {
                List<String> set = container.getEnv().stream().map(EnvVar::getName).toList();
                assertThat(unread(set, readBy(moduleOf(object.getMetadata().getName()))))
                        .as(object.getMetadata().getName()).isEmpty();
            }
            List<Container> initContainers = object instanceof StatefulSet s ? s.getSpec().getTemplate().getSpec()
                    .getInitContainers() : List.of();
            for (Container container : initContainers) {
                assertThat(container.getImage()).as("init containers run the CLI").contains("/mnemo-cli:");
                List<String> set = container.getEnv().stream().map(EnvVar::getName).toList();
                assertThat(unread(set, readByCli())).as(container.getName()).isEmpty();
            }
        }
    }

    @Test
    void terraformSetsOnlyVariablesTheServicesRead() throws IOException {
        Set<String> set = new HashSet<>();
        Matcher name = NAME.matcher(Files.readString(Command.REPOSITORY.resolve("terraform/main.tf")));
        while (name.find()) {
            set.add(name.group(1));
        }
        assertThat(set).hasSizeGreaterThan(15);
        // the processors' migration container runs the CLI
        Set<String> read = new HashSet<>(readByAnyService());
        read.addAll(readByCli());
        assertThat(unread(set, read)).isEmpty();
        assertThat(readByCli()).contains("MNEMO_PG_PRIMARY_URL", "MNEMO_PG_PASSWORD", "MNEMO_PG_PROCESSOR_PASSWORD",
                "MNEMO_MASTER_KEY");
    }
}
