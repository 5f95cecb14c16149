package io.mnemo.ingest.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.ingest.IngestConfiguration;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** With the broker stopped, ingest answers 503 (never 2xx) within its timeout, and recovers when it is back. */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
class IngestWhenKafkaIsDownIT {
    static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(2);
    static final DropwizardAppExtension<IngestConfiguration> APP = IngestApiIT.IngestTestApp.create(
            "ingest-down-it", ConfigOverride.config("ingest-down-it", "publishTimeout", "2s"));

    private Response post(String user, String key) {
        return APP.client().target("http://127.0.0.1:" + APP.getLocalPort()).path("/v1/users/" + user + "/memories")
                .request().header("Idempotency-Key", key)
                .post(Entity.json(Map.of("occurredAt", "2026-10-01T08:00:00Z", "content", "while kafka is down")));
    }

    @AfterEach
    void brokerIsBack() {
        if (!DevstackExtension.devstack().kafka().isRunning()) {
            DevstackExtension.devstack().kafka().start();
        }
    }

    @Test
    void answers503WithinTheTimeoutWhileTheBrokerIsDownAndRecoversAfterwards() {
        String user = "u-" + UUID.randomUUID();
        assertThat(post(user, "before").getStatus()).isEqualTo(202);

        DevstackExtension.devstack().kafka().stop();
        for (int i = 0; i < 3; i++) {
            long started = System.nanoTime();
            Response response = post(user, "during-" + i);
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(response.getStatus()).isEqualTo(503);
            assertThat(response.getHeaderString("Retry-After")).isEqualTo("2");
            assertThat(response.readEntity(JsonNode.class).get("type").asText())
                    .isEqualTo("urn:mnemo:problem:ingest-unavailable");
            assertThat(took).isLessThan(PUBLISH_TIMEOUT.plusSeconds(2));
        }

        DevstackExtension.devstack().kafka().start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> post(user, "after").getStatus() == 202);
        Response after = post(user, "after");
        assertThat(after.getStatus()).isEqualTo(202);
        String[] position = after.readEntity(JsonNode.class).get("position").asText().split(":");
        assertThat(IngestApiIT.readAt(Integer.parseInt(position[0]), Long.parseLong(position[1])).value()).isNotNull();
    }
}
