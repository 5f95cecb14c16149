package io.mnemo.ingest.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dropwizard.core.setup.Environment;
import io.mnemo.ingest.api.BatchItemRequest;
import io.mnemo.ingest.core.InvalidInput;
import io.mnemo.kit.http.ApiJson;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batch's lenient reading: the envelope refuses the whole body, an item only itself. */
class BatchBodyTest {
    /** The mapper the service reads bodies with (Dropwizard's, with the API's strict settings). */
    private static final ObjectMapper JSON = apiMapper();

    private static ObjectMapper apiMapper() {
        Environment environment = new Environment("batch-body-test");
        ApiJson.install(environment);
        return environment.getObjectMapper();
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertRefused(Runnable reading, String field, String message) {
        assertThatThrownBy(reading::run).isInstanceOfSatisfying(InvalidInput.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void bindsAValidItemWithTheApiMapper() {
        BatchItemRequest request = read("{\"userId\":\"alice\",\"occurredAt\":\"2026-10-02T10:00:00Z\","
                + "\"content\":\"x\",\"tags\":[\"a\"],\"attributes\":{\"mood\":\"calm\"}}");

        assertThat(request.userId()).isEqualTo("alice");
        assertThat(request.occurredAt()).isEqualTo(Instant.parse("2026-10-02T10:00:00Z"));
        assertThat(request.tags()).containsExactly("a");
        assertThat(request.attributes()).containsEntry("mood", "calm");
    }

    @Test
    void namesTheFieldOfAnItemThatCannotBeReadRelativeToTheItem() {
        String valid = "\"userId\":\"alice\",\"content\":\"x\"";
        assertRefused(() -> read("{" + valid + ",\"occurredAt\":\"bad\"}"), "occurredAt", "cannot be read as Instant");
        assertRefused(() -> read("{" + valid + ",\"occurredAt\":\"2026-10-02T10:00:00Z\",\"tags\":\"a\"}"),
                "tags", "has the wrong type");
        assertRefused(() -> read("{" + valid + ",\"occurredAt\":\"2026-10-02T10:00:00Z\",\"tags\":[{}]}"),
                "tags[0]", "has the wrong type");
        assertRefused(() -> read("{" + valid + ",\"occurredAt\":\"2026-10-02T10:00:00Z\",\"attributes\":{\"k\":[]}}"),
                "attributes.k", "has the wrong type");
        assertRefused(() -> read("{" + valid + ",\"occurredAt\":\"2026-10-02T10:00:00Z\",\"tenantId\":\"other\"}"),
                "tenantId", "unknown field");
    }

    @Test
    void anItemThatIsNotAnObjectIsNamedByItsIndex() {
        for (String notAnObject : List.of("\"x\"", "5", "[]", "null", "true")) {
            assertRefused(() -> read(notAnObject, 3), "items[3]", "must be an object");
        }
    }

    @Test
    void theEnvelopeIsRefusedInTheWordsOfTheTypedBinding() {
        assertRefused(() -> items("{\"items\":5}"), "items", "has the wrong type");
        assertRefused(() -> items("{\"items\":{}}"), "items", "has the wrong type");
        assertRefused(() -> items("{}"), "items", "must not be null");
        assertRefused(() -> items("{\"items\":null}"), "items", "must not be null");
        assertRefused(() -> items("{\"items\":[]}"), "items", "must hold 1 to 500 items");
        assertRefused(() -> items("{\"items\":[" + "{},".repeat(500) + "{}]}"), "items", "must hold 1 to 500 items");
        assertRefused(() -> items("{\"extra\":1,\"items\":5}"), "extra", "unknown field");
        assertRefused(() -> items("{\"items\":5,\"extra\":1}"), "items", "has the wrong type");
    }

    @Test
    void theEnvelopeHandsOverEveryItemWhateverItsShape() {
        assertThat(items("{\"items\":[{}, \"x\", null, 5]}")).hasSize(4);
        assertThat(items("{\"items\":[" + "{},".repeat(499) + "{}]}")).hasSize(500);
    }

    private static BatchItemRequest read(String json) {
        return read(json, 0);
    }

    private static BatchItemRequest read(String json, int index) {
        return BatchBody.item(JSON, tree(json), index);
    }

    private static List<JsonNode> items(String json) {
        return BatchBody.items((ObjectNode) tree(json));
    }
}
