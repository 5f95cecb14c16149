package io.mnemo.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every manifest under infra/kubernetes parses into fabric8's typed Kubernetes model with no field the model does
 * not know (fabric8 keeps unknown fields in {@code additionalProperties} instead of failing, so they are looked
 * for), and the objects fit together: probes and limits on every workload, autoscalers and disruption budgets
 * that select existing workloads, processors bounded by the partition count.
 */
class KubernetesManifestsTest {
    private static final Path MANIFESTS = Command.REPOSITORY.resolve("infra/kubernetes");
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Map<String, Class<? extends HasMetadata>> TYPES = Map.of(
            "v1/Namespace", Namespace.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "v1/ServiceAccount", ServiceAccount.class,
            "apps/v1/Deployment", Deployment.class,
            "apps/v1/StatefulSet", StatefulSet.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);

    private static List<HasMetadata> objects;

    @BeforeAll
    static void parseEveryManifest() throws IOException {
        objects = new ArrayList<>();
        try (Stream<Path> files = Files.list(MANIFESTS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                objects.addAll(parse(Files.readString(file), file.getFileName().toString()));
            }
        }
    }

    /** Typed objects of a multi-document YAML text; fails on an unknown kind, a wrong type or an unknown field. */
    static List<HasMetadata> parse(String yaml, String source) throws IOException {
        List<HasMetadata> parsed = new ArrayList<>();
        for (JsonNode document : new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll()) {
            if (document == null || document.isNull() || document.isEmpty()) {
                continue;
            }
            String type = document.path("apiVersion").asText() + "/" + document.path("kind").asText();
            Class<? extends HasMetadata> modelClass = TYPES.get(type);
            if (modelClass == null) {
                throw new AssertionError(source + ": no model for " + type + " (a typo, or add it to TYPES)");
            }
            HasMetadata object = JSON.treeToValue(document, modelClass);
            List<String> unknown = new ArrayList<>();
            collectUnknownFields(object, type + " " + object.getMetadata().getName(), unknown);
            if (!unknown.isEmpty()) {
                throw new AssertionError(source + ": unknown fields " + unknown);
            }
            parsed.add(object);
        }
        return parsed;
    }

    private static void collectUnknownFields(Object value, String path, List<String> unknown) {
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                collectUnknownFields(list.get(i), path + "[" + i + "]", unknown);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, entry) -> collectUnknownFields(entry, path + "." + key, unknown));
            return;
        }
        if (value == null || !value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + " " + extra.keySet());
                }
            } else {
                collectUnknownFields(child, path + "." + getter.getName().substring(3), unknown);
            }
        }
    }

    @Test
    void aMisspelledFieldFailsTheParse() throws IOException {
        String manifest = Files.readString(MANIFESTS.resolve("20-ingest.yaml"));
        String typo = manifest.replaceFirst("livenessProbe:", "livenesProbe:");

        assertThat(parse(manifest, "20-ingest.yaml")).isNotEmpty();
        assertThatThrownBy(() -> parse(typo, "typo.yaml")).hasMessageContaining("livenesProbe");
    }

    @Test
    void anUnknownKindFailsTheParse() {
        assertThatThrownBy(() -> parse("apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: x}\n", "kind.yaml"))
                .hasMessageContaining("Deploymnet");
    }

    @Test
    void everyWorkloadProbesTheAdminPortAndHasRequestsAndLimits() {
        assertThat(workloads()).extracting(w -> w.getMetadata().getName())
                .containsExactlyInAnyOrder("mnemo-ingest", "mnemo-processors", "mnemo-query");
        for (HasMetadata workload : workloads()) {
            for (Container container : template(workload).getSpec().getContainers()) {
                String name = workload.getMetadata().getName();
                assertThat(container.getReadinessProbe().getHttpGet().getPath()).as(name).isEqualTo("/healthcheck");
                assertThat(container.getReadinessProbe().getHttpGet().getPort().getStrVal()).as(name)
                        .isEqualTo("admin");
                assertThat(container.getLivenessProbe().getHttpGet()).as(name).isNotNull();
                assertThat(container.getResources().getRequests()).as(name).containsKeys("cpu", "memory");
                assertThat(container.getResources().getLimits()).as(name).containsKeys("cpu", "memory");
                assertThat(container.getPorts()).as(name).anyMatch(p -> p.getName().equals("admin"));
                assertThat(template(workload).getSpec().getSecurityContext().getRunAsNonRoot()).as(name).isTrue();
            }
        }
    }

    @Test
    void everyAutoscalerTargetsAWorkloadThatExists() {
        List<HorizontalPodAutoscaler> autoscalers = of(HorizontalPodAutoscaler.class);
        assertThat(autoscalers).hasSize(3);
        for (HorizontalPodAutoscaler hpa : autoscalers) {
            var target = hpa.getSpec().getScaleTargetRef();
            assertThat(workloads()).as("target of " + hpa.getMetadata().getName())
                    .anyMatch(w -> w.getKind().equals(target.getKind())
                            && w.getMetadata().getName().equals(target.getName()));
            assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void everyCustomMetricAnAutoscalerAsksForIsServedByAnAdapterRuleOverAnExportedSeries() throws IOException {
        ConfigMap adapter = of(ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals("mnemo-prometheus-adapter")).findFirst().orElseThrow();
        JsonNode rules = new YAMLMapper().readTree(adapter.getData().get("config.yaml")).path("rules");
        assertThat(rules).isNotEmpty();
        ExportedMetrics exported = ExportedMetrics.fromServiceSources(Command.REPOSITORY);
        List<String> served = new ArrayList<>();
        for (JsonNode rule : rules) {
            String seriesQuery = rule.path("seriesQuery").asText();
            assertThat(exported.unknownSeries(seriesQuery, java.util.Set.of())).as(seriesQuery).isEmpty();
            served.add(rule.path("name").path("as").asText());
        }
        List<String> asked = new ArrayList<>();
        for (HorizontalPodAutoscaler hpa : of(HorizontalPodAutoscaler.class)) {
            hpa.getSpec().getMetrics().stream().filter(m -> m.getPods() != null)
                    .forEach(m -> asked.add(m.getPods().getMetric().getName()));
        }
        assertThat(asked).isNotEmpty();
        assertThat(served).containsAll(asked);
    }

    @Test
    void processorsNeverScaleBeyondOneStreamThreadPerPartition() {
        Map<String, String> config = of(ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals("mnemo-config")).findFirst().orElseThrow().getData();
        int partitions = Integer.parseInt(config.get("MNEMO_KAFKA_PARTITIONS"));
        int threads = Integer.parseInt(config.get("MNEMO_STREAMS_THREADS"));
        HorizontalPodAutoscaler processors = of(HorizontalPodAutoscaler.class).stream()
                .filter(h -> h.getMetadata().getName().equals("mnemo-processors")).findFirst().orElseThrow();

        assertThat(processors.getSpec().getMaxReplicas() * threads).isLessThanOrEqualTo(partitions);
    }

    @Test
    void everyDisruptionBudgetAndServiceSelectsTheLabelsOfAWorkload() {
        List<PodDisruptionBudget> budgets = of(PodDisruptionBudget.class);
        assertThat(budgets).hasSize(3);
        for (PodDisruptionBudget budget : budgets) {
            assertThat(selectedWorkload(budget.getSpec().getSelector().getMatchLabels()))
                    .as("workload selected by PDB " + budget.getMetadata().getName()).isPresent();
        }
        for (Service service : of(Service.class)) {
            assertThat(selectedWorkload(service.getSpec().getSelector()))
                    .as("workload selected by Service " + service.getMetadata().getName()).isPresent();
        }
    }

    @Test
    void workloadsReadSecretsAsFilesFromTheSecretAndSettingsFromTheConfigMap() {
        for (HasMetadata workload : workloads()) {
            Container container = template(workload).getSpec().getContainers().get(0);
            assertThat(container.getEnvFrom()).anyMatch(e -> e.getConfigMapRef().getName().equals("mnemo-config"));
            assertThat(container.getEnv()).as(workload.getMetadata().getName())
                    .anyMatch(e -> e.getName().equals("MNEMO_PG_PASSWORD_FILE"))
                    .noneMatch(e -> e.getName().equals("MNEMO_PG_PASSWORD"));
        }
        assertThat(of(ConfigMap.class).get(0).getData()).doesNotContainKeys("MNEMO_PG_PASSWORD",
                "MNEMO_CURSOR_SECRET");
    }

    @Test
    void everySecretFileAContainerNamesIsMountedFromTheSecretAndOnlyTheMigrationSeesTheOwnersLogin() {
        Secret secret = of(Secret.class).stream().filter(x -> x.getMetadata().getName().equals("mnemo-secrets"))
                .findFirst().orElseThrow();
        for (HasMetadata workload : workloads()) {
            var pod = template(workload).getSpec();
            List<Container> containers = new ArrayList<>(pod.getContainers());
            containers.addAll(pod.getInitContainers());
            for (Container container : containers) {
                String where = workload.getMetadata().getName() + "/" + container.getName();
                List<String> readable = new ArrayList<>();
                for (var mount : container.getVolumeMounts()) {
                    pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName()) && v.getSecret() != null)
                            .forEach(v -> {
                                assertThat(v.getSecret().getItems()).as(where + ": mount only the files it reads")
                                        .isNotEmpty();
                                v.getSecret().getItems().forEach(item -> {
                                    assertThat(secret.getStringData()).as(where).containsKey(item.getKey());
                                    readable.add(mount.getMountPath() + "/" + item.getPath());
                                });
                            });
                }
                container.getEnv().stream().filter(e -> e.getName().endsWith("_FILE"))
                        .forEach(e -> assertThat(readable).as(where + " " + e.getName()).contains(e.getValue()));
                assertThat(readable.stream().anyMatch(f -> f.endsWith("/pg-owner-password")))
                        .as(where + " sees the owner's login").isEqualTo(container.getName().equals("migrate"));
            }
        }
    }

    @Test
    void processorsStartOnlyAfterTheMigrationContainerMigratedWithTheSameRelease() {
        StatefulSet processors = of(StatefulSet.class).get(0);
        var pod = processors.getSpec().getTemplate().getSpec();
        Container migrate = pod.getInitContainers().stream().filter(c -> c.getName().equals("migrate")).findFirst()
                .orElseThrow();
        Container service = pod.getContainers().get(0);

        assertThat(migrate.getArgs()).containsExactly("db", "migrate");
        assertThat(migrate.getImage()).contains("/mnemo-cli:");
        assertThat(tag(migrate.getImage())).isEqualTo(tag(service.getImage()));
        assertThat(migrate.getResources().getLimits()).containsKeys("cpu", "memory");
        assertThat(service.getEnv()).anyMatch(e -> e.getName().equals("MNEMO_MIGRATE_ON_START")
                && e.getValue().equals("false"));
    }

    @Test
    void theServicesThatSealOrOpenContentGetTheMasterKey() {
        for (HasMetadata workload : workloads()) {
            Container container = template(workload).getSpec().getContainers().get(0);
            boolean hasKey = container.getEnv().stream().anyMatch(e -> e.getName().equals("MNEMO_MASTER_KEY_FILE"));
            assertThat(hasKey).as(workload.getMetadata().getName())
                    .isEqualTo(!workload.getMetadata().getName().equals("mnemo-query"));
        }
    }

    private static String tag(String image) {
        return image.substring(image.lastIndexOf(':') + 1);
    }

    @Test
    void deploymentsRollOutWithoutLosingCapacity() {
        for (Deployment deployment : of(Deployment.class)) {
            var rolling = deployment.getSpec().getStrategy().getRollingUpdate();
            assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
            assertThat(rolling.getMaxUnavailable().getIntVal()).as(deployment.getMetadata().getName()).isZero();
        }
    }

    private static Optional<HasMetadata> selectedWorkload(Map<String, String> selector) {
        return workloads().stream().filter(w -> template(w).getMetadata().getLabels().entrySet()
                .containsAll(selector.entrySet())).findFirst();
    }

    private static List<HasMetadata> workloads() {
        return objects.stream().filter(o -> o instanceof Deployment || o instanceof StatefulSet).toList();
    }

    private static PodTemplateSpec template(HasMetadata workload) {
        return workload instanceof Deployment d ? d.getSpec().getTemplate() : ((StatefulSet) workload).getSpec()
                .getTemplate();
    }

    private static <T> List<T> of(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
