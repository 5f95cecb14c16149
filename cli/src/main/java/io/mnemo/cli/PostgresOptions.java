package io.mnemo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.kit.auth.ApiKeyStore;
import io.mnemo.kit.crypto.EncryptionFactory;
import io.mnemo.kit.crypto.UserKeyStore;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.sealing.MasterKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The Postgres primary an operator command works on: {@code --jdbc-url/--user/--password}, else the environment
 * variables the services read ({@code MNEMO_PG_PRIMARY_URL}, {@code MNEMO_PG_USER}, {@code MNEMO_PG_PASSWORD}),
 * else the running {@code mnemo dev} (from {@code .mnemo/dev-env.json}, or any file of that shape given with
 * {@code --env-file}).
 */
final class PostgresOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--jdbc-url", description = "JDBC URL of the Postgres primary (default: $MNEMO_PG_PRIMARY_URL, else from "
            + "--env-file).")
    String jdbcUrl;

    @Option(names = "--user", description = "Postgres user, the schema's owner (default: $MNEMO_PG_USER, else from --env-file, else postgres).")
    String user;

    @Option(names = "--password", description = "Postgres password (default: $MNEMO_PG_PASSWORD, else from --env-file, else "
            + "empty).")
    String password;

    @Option(names = "--env-file", defaultValue = ".mnemo/dev-env.json",
            description = "Environment written by a running `mnemo dev` (default: ${DEFAULT-VALUE}).")
    Path envFile;

    /** Connection settings after defaults: explicit options win over the env file. */
    record Connection(String url, String user, String password) {
    }

    Connection resolve() {
        String url = jdbcUrl != null ? jdbcUrl : System.getenv("MNEMO_PG_PRIMARY_URL");
        if (url != null && !url.isBlank()) {
            String name = user != null ? user : System.getenv().getOrDefault("MNEMO_PG_USER", "postgres");
            String secret = password != null ? password : System.getenv().getOrDefault("MNEMO_PG_PASSWORD", "");
            return new Connection(url, name, secret);
        }
        if (!Files.isRegularFile(envFile)) {
            throw new ParameterException(spec.commandLine(), "No --jdbc-url given and no " + envFile
                    + ": start `mnemo dev` or pass --jdbc-url/--user/--password.");
        }
        try {
            JsonNode postgres = new ObjectMapper().readTree(envFile.toFile()).path("postgres");
            if (!postgres.hasNonNull("primary")) {
                throw new ParameterException(spec.commandLine(), envFile + " names no postgres.primary");
            }
            return new Connection(postgres.get("primary").asText(),
                    user != null ? user : postgres.path("user").asText("postgres"),
                    password != null ? password : postgres.path("password").asText(""));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + envFile, e);
        }
    }

    /** The key store, after bringing the schema up to date (the command may run before any service has). */
    ApiKeyStore keyStore() {
        Connection connection = resolve();
        ProjectionMigrations.migrate(connection.url(), connection.user(), connection.password());
        return new ApiKeyStore(Jdbi.create(connection.url(), connection.user(), connection.password())
                .installPlugin(new PostgresPlugin()));
    }

    /**
     * The master key that unwraps users' data keys, to open sealed changes: {@code $MNEMO_MASTER_KEY}, else the
     * development key of {@code mnemo dev}. A wrong key never opens anything: unwrapping fails and says which key
     * (by its id) it was.
     */
    MasterKey masterKey() {
        String configured = System.getenv("MNEMO_MASTER_KEY");
        return MasterKey.fromBase64(configured != null && !configured.isBlank() ? configured
                : EncryptionFactory.DEV_MASTER_KEY);
    }

    /** The users' data keys on the primary. */
    UserKeyStore userKeys() {
        Connection connection = resolve();
        return new UserKeyStore(Jdbi.create(connection.url(), connection.user(), connection.password())
                .installPlugin(new PostgresPlugin()), masterKey());
    }
}
