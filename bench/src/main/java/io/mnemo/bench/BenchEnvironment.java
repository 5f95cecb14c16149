package io.mnemo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a benchmark finds the platform: from {@code .mnemo/dev-env.json} of a running {@code ./mnemo dev}, or
 * built by a smoke test around the services it started itself.
 */
record BenchEnvironment(String ingestUrl, String queryUrl, String apiKey, String kafkaBootstrap,
                        String schemaRegistryUrl, Postgres primary, Postgres replica) {

    /** A Postgres server the benchmark connects to. */
    record Postgres(String url, String user, String password) {
    }

    /**
     * The same environment with a key of its own for {@code tenant}, every scope and a rate limit far above any
     * load a benchmark sends: a benchmark measures the data path, not the throttle (the dev key is rate-limited).
     */
    BenchEnvironment withUnthrottledKey(String tenant) {
        io.mnemo.schemas.ProjectionMigrations.migrate(primary.url(), primary.user(), primary.password());
        String key = new io.mnemo.kit.auth.ApiKeyStore(org.jdbi.v3.core.Jdbi.create(primary.url(), primary.user(),
                primary.password()).installPlugin(new org.jdbi.v3.postgres.PostgresPlugin()))
                .create(tenant, "benchmark", io.mnemo.kit.auth.Scopes.ALL, 10_000_000, 10_000_000).plaintext();
        return new BenchEnvironment(ingestUrl, queryUrl, key, kafkaBootstrap, schemaRegistryUrl, primary, replica);
    }

    static BenchEnvironment fromEnvFile(Path envFile) throws IOException {
        if (!Files.isRegularFile(envFile)) {
            throw new IllegalStateException("No " + envFile + ": start the platform first (./mnemo dev)");
        }
        JsonNode env = new ObjectMapper().readTree(Files.readString(envFile));
        if ("quick".equals(env.path("jit").asText())) {
            // C1-only services start fast and run hot code several times slower: figures would mislead
            throw new IllegalStateException("The services run with the quick-start JIT (C1 only). For benchmarks "
                    + "start the platform with MNEMO_DEV_JIT=full ./mnemo dev");
        }
        JsonNode pg = env.get("postgres");
        String user = pg.get("user").asText();
        String password = pg.path("password").asText("");
        JsonNode replicas = pg.path("replicas");
        String replica = replicas.size() > 0 ? replicas.get(0).asText() : pg.get("primary").asText();
        return new BenchEnvironment(env.path("ingestUrl").asText(null), env.path("queryUrl").asText(null),
                System.getProperty("bench.apiKey", env.path("apiKey").asText(null)), env.get("kafkaBootstrap").asText(),
                env.get("schemaRegistryUrl").asText(), new Postgres(pg.get("primary").asText(), user, password),
                new Postgres(replica, user, password));
    }
}
