package io.mnemo.ingest.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.ingest.IngestConfiguration;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** With the broker stopped, ingest answers 503 (never 2xx) within its timeout, and recovers when it is back. */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
class IngestWhenKafkaIsDownIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(2);
    static final DropwizardAppExtension<IngestConfiguration> APP = IngestApiIT.IngestTestApp.create(
            "ingest-down-it", ConfigOverride.config("ingest-down-it", "publishTimeout", "2s"));

    // The JDK client, not Dropwizard's: the latter silently retries a 503 that carries Retry-After.
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private HttpResponse<String> post(String user, String key) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort()
                        + "/v1/users/" + user + "/memories"))
                .header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"occurredAt\":\"2026-10-01T08:00:00Z\",\"content\":\"while kafka is down\"}"))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @AfterEach
    void brokerIsBack() {
        if (!DevstackExtension.devstack().kafka().isRunning()) {
            DevstackExtension.devstack().kafka().start();
        }
    }

    @Test
    void answers503WithinTheTimeoutWhileTheBrokerIsDownAndRecoversAfterwards() throws Exception {
        String user = "u-" + UUID.randomUUID();
        assertThat(post(user, "before").statusCode()).isEqualTo(202);

        DevstackExtension.devstack().kafka().stop();
        for (int i = 0; i < 3; i++) {
            long started = System.nanoTime();
            HttpResponse<String> response = post(user, "during-" + i);
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("2");
            assertThat(JSON.readTree(response.body()).get("type").asText())
                    .isEqualTo("urn:mnemo:problem:ingest-unavailable");
            assertThat(took).isLessThan(PUBLISH_TIMEOUT.plusSeconds(2));
        }

        DevstackExtension.devstack().kafka().start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> post(user, "after").statusCode() == 202);
        HttpResponse<String> after = post(user, "after");
        assertThat(after.statusCode()).isEqualTo(202);
        String[] position = JSON.readTree(after.body()).get("position").asText().split(":");
        assertThat(IngestApiIT.readAt(Integer.parseInt(position[0]), Long.parseLong(position[1])).value()).isNotNull();

        // Never both: none of the writes answered 503 reached the log later.
        List<String> keysInLog = IngestApiIT.eventsOfUser(user).stream()
                .map(event -> event.getIdempotencyKey()).distinct().sorted().toList();
        assertThat(keysInLog).containsExactly("after", "before");
    }
}
