package io.mnemo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The Kafka cluster and schema registry an operator command works on: {@code --bootstrap/--schema-registry},
 * else environment variables {@code MNEMO_KAFKA_BOOTSTRAP/MNEMO_SCHEMA_REGISTRY_URL}, else the running
 * {@code mnemo dev} (from {@code .mnemo/dev-env.json}).
 */
final class KafkaOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: $MNEMO_KAFKA_BOOTSTRAP, "
            + "else from the env file).")
    String bootstrap;

    @Option(names = "--schema-registry", description = "Schema registry URL (default: $MNEMO_SCHEMA_REGISTRY_URL, "
            + "else from the env file).")
    String schemaRegistry;

    @Option(names = "--kafka-env-file", defaultValue = ".mnemo/dev-env.json", hidden = true)
    Path envFile;

    record Endpoints(String bootstrap, String schemaRegistry) {
    }

    Endpoints resolve() {
        String servers = first(bootstrap, System.getenv("MNEMO_KAFKA_BOOTSTRAP"));
        String registry = first(schemaRegistry, System.getenv("MNEMO_SCHEMA_REGISTRY_URL"));
        if (servers != null && registry != null) {
            return new Endpoints(servers, registry);
        }
        if (!Files.isRegularFile(envFile)) {
            throw new ParameterException(spec.commandLine(), "No --bootstrap/--schema-registry given and no "
                    + envFile + ": start `mnemo dev` or pass them.");
        }
        try {
            JsonNode env = new ObjectMapper().readTree(envFile.toFile());
            return new Endpoints(servers != null ? servers : env.path("kafkaBootstrap").asText(),
                    registry != null ? registry : env.path("schemaRegistryUrl").asText());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + envFile, e);
        }
    }

    private static String first(String a, String b) {
        return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : null;
    }
}
