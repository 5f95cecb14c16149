package io.mnemo.query.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.kit.auth.ApiKeyStore;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.query.QueryApplication;
import io.mnemo.query.QueryConfiguration;
import io.mnemo.schemas.ProjectionMigrations;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Reads need a key with {@code memories:read}; the key, not the request, decides the tenant. */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
class QueryAuthIT {
    static final String PREFIX = "query-auth-it";
    static final ApiKeyStore KEYS = keys();
    static final int EVENT_PARTITIONS = TestEventLog.ensure();
    static final DropwizardAppExtension<QueryConfiguration> APP = app();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ApiKeyStore keys() {
        var pg = DevstackExtension.devstack().primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        return new ApiKeyStore(Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()).installPlugin(new PostgresPlugin()));
    }

    private static DropwizardAppExtension<QueryConfiguration> app() {
        var devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        var replica = devstack.replicas().get(0);
        String password = pg.password() == null ? "" : pg.password();
        return new DropwizardAppExtension<>(QueryApplication.class, "query-service.yml", PREFIX,
                ConfigOverride.config(PREFIX, "replicas[0].url", replica.jdbcUrl()),
                ConfigOverride.config(PREFIX, "replicas[0].user", "mnemo_query"),
                ConfigOverride.config(PREFIX, "replicas[0].password", password),
                ConfigOverride.config(PREFIX, "primary.url", pg.jdbcUrl()),
                ConfigOverride.config(PREFIX, "primary.user", "mnemo_query"),
                ConfigOverride.config(PREFIX, "primary.password", password),
                ConfigOverride.config(PREFIX, "kafka.bootstrapServers", devstack.kafkaBootstrap()),
                ConfigOverride.config(PREFIX, "kafka.schemaRegistryUrl", devstack.schemaRegistryUrl()),
                ConfigOverride.config(PREFIX, "server.applicationConnectors[0].port", "0"),
                ConfigOverride.config(PREFIX, "server.adminConnectors[0].port", "0"));
    }

    private static HttpResponse<String> get(String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort()
                + "/v1/users/alice/memories?limit=5"));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withoutAKeyTheAnswerIs401() throws Exception {
        HttpResponse<String> response = get(null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(JSON.readTree(response.body()).get("type").asText()).isEqualTo("urn:mnemo:problem:unauthenticated");
    }

    @Test
    void aWriteOnlyKeyCannotRead() throws Exception {
        String writer = KEYS.create("query-auth", "writer", Set.of(Scopes.MEMORIES_WRITE), null, null).plaintext();

        HttpResponse<String> response = get(writer);

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(response.body()).get("type").asText()).isEqualTo("urn:mnemo:problem:forbidden");
    }

    @Test
    void aReadKeyReadsItsOwnTenantWithRateLimitHeaders() throws Exception {
        String reader = KEYS.create("query-auth-empty", "reader", Set.of(Scopes.MEMORIES_READ), null, null)
                .plaintext();

        HttpResponse<String> response = get(reader);

        assertThat(response.statusCode()).isEqualTo(200);
        // a tenant that never wrote anything: whatever "alice" has elsewhere is not visible
        assertThat(JSON.readTree(response.body()).get("items")).isEmpty();
        assertThat(response.headers().firstValue("RateLimit-Limit")).hasValue("400");
    }
}
