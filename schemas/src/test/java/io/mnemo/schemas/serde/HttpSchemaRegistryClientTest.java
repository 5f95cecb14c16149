package io.mnemo.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mnemo.schemas.events.MemoryCaptured;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against a scripted HTTP stub: what it sends, how it reads Confluent errors, what it caches. */
class HttpSchemaRegistryClientTest {
    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String body = "{}";
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean hang;

    @BeforeEach
    void startStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
    }

    @AfterEach
    void stopStub() {
        release.countDown();
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String requestBody = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery())
                    + " " + exchange.getRequestHeaders().getFirst("Content-Type") + " " + requestBody);
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            if (hang) {
                release.await(10, TimeUnit.SECONDS);
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpSchemaRegistryClient client() {
        return new HttpSchemaRegistryClient("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @Test
    void registersWithTheSchemaRegistryContentTypeUnderTheEncodedSubjectAndCachesTheId() {
        body = "{\"id\": 7}";
        HttpSchemaRegistryClient client = client();

        assertThat(client.register("topic-a.b C", MemoryCaptured.getClassSchema())).isEqualTo(7);
        assertThat(client.register("topic-a.b C", MemoryCaptured.getClassSchema())).isEqualTo(7);
        assertThat(client.lookup("topic-a.b C", MemoryCaptured.getClassSchema())).hasValue(7);

        assertThat(requests).hasSize(1);
        assertThat(requests.get(0))
                .startsWith("POST /subjects/topic-a.b%20C/versions application/vnd.schemaregistry.v1+json {\"schema\":")
                .contains("io.mnemo.schemas.events");
    }

    @Test
    void cachesSchemasById() {
        body = "{\"schema\": \"\\\"string\\\"\"}";
        HttpSchemaRegistryClient client = client();

        assertThat(client.schemaById(3).getType()).hasToString("STRING");
        client.schemaById(3);

        assertThat(requests).hasSize(1).first().asString().startsWith("GET /schemas/ids/3");
    }

    @Test
    void surfacesHttpStatusAndConfluentErrorCode() {
        status = 409;
        body = "{\"error_code\": 409, \"message\": \"Schema being registered is incompatible\"}";

        assertThatThrownBy(() -> client().register("s", MemoryCaptured.getClassSchema()))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(409);
                    assertThat(e).hasMessageContaining("incompatible").hasMessageContaining("HTTP 409");
                });
    }

    @Test
    void treatsSubjectOrSchemaNotFoundAsNotRegistered() {
        status = 404;
        body = "{\"error_code\": 40403, \"message\": \"Schema not found\"}";

        assertThat(client().lookup("s", MemoryCaptured.getClassSchema())).isEmpty();
    }

    @Test
    void reportsANonJsonErrorBody() {
        status = 502;
        body = "<html>Bad Gateway</html>";

        assertThatThrownBy(() -> client().subjects())
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(502);
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.NO_ERROR_CODE);
                    assertThat(e).hasMessageContaining("Bad Gateway");
                });
    }

    @Test
    void asksForTheEffectiveSubjectLevelAndSetsLevels() {
        body = "{\"compatibilityLevel\": \"FULL\"}";
        HttpSchemaRegistryClient client = client();

        assertThat(client.compatibility("s")).isEqualTo("FULL");
        client.compatibility(null);
        client.setCompatibility("s", "NONE");

        assertThat(requests).satisfiesExactly(
                r -> assertThat(r).startsWith("GET /config/s?defaultToGlobal=true"),
                r -> assertThat(r).startsWith("GET /config "),
                r -> assertThat(r).isEqualTo("PUT /config/s application/vnd.schemaregistry.v1+json {\"compatibility\":\"NONE\"}"));
    }

    @Test
    void failsWithinItsTimeoutWhenTheRegistryHangs() {
        hang = true;
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(
                "http://127.0.0.1:" + server.getAddress().getPort(), Duration.ofMillis(300));

        long start = System.nanoTime();
        assertThatThrownBy(client::subjects)
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.httpStatus()).isEqualTo(SchemaRegistryException.NO_RESPONSE));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void failsClearlyWhenNothingListens() {
        server.stop(0);

        assertThatThrownBy(client()::subjects)
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.httpStatus()).isEqualTo(SchemaRegistryException.NO_RESPONSE))
                .hasMessageContaining("GET http://127.0.0.1:");
    }

    @Test
    void sendsCredentialsFromTheUrlAsBasicAuthButNeverShowsThem() {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(
                "http://user:s3cret@127.0.0.1:" + server.getAddress().getPort());

        body = "[]";

        client.subjects();

        assertThat(authorizations).containsExactly("Basic dXNlcjpzM2NyZXQ="); // base64("user:s3cret")
        assertThat(client.url()).doesNotContain("s3cret");
    }
}
