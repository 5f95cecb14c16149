package io.mnemo.ingest.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mnemo.ingest.api.BatchItemRequest;
import io.mnemo.ingest.api.BatchRequest;
import io.mnemo.ingest.core.InvalidInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a batch body leniently. Only the envelope ({@code {"items": [...]}}, 1 to {@value BatchRequest#MAX_ITEMS}
 * items) can refuse the whole request; each item is bound on its own with the API's object mapper, so with the
 * strictness of a single capture, and an item that cannot be read costs only its own result.
 */
final class BatchBody {
    static final String ITEMS = "items";

    private BatchBody() {
    }

    /**
     * The raw items of the body, or {@link InvalidInput} naming the envelope field at fault, in the words the
     * typed binding of {@link BatchRequest} used (clients may match on them).
     */
    static List<JsonNode> items(ObjectNode body) {
        JsonNode items = null;
        // In document order, as streaming binding fails: the first field at fault is the one named.
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            if (!ITEMS.equals(field.getKey())) {
                throw new InvalidInput(field.getKey(), "unknown field");
            }
            if (!field.getValue().isArray() && !field.getValue().isNull()) {
                throw new InvalidInput(ITEMS, "has the wrong type");
            }
            items = field.getValue();
        }
        if (items == null || items.isNull()) {
            throw new InvalidInput(ITEMS, "must not be null");
        }
        if (items.isEmpty() || items.size() > BatchRequest.MAX_ITEMS) {
            throw new InvalidInput(ITEMS, BatchRequest.ITEMS_SIZE_MESSAGE);
        }
        List<JsonNode> list = new ArrayList<>(items.size());
        items.forEach(list::add);
        return list;
    }

    /**
     * Binds one item, or throws {@link InvalidInput} with the field error a single capture's 422 would carry for
     * the same JSON ({@code occurredAt}, {@code tags[0]}, ...), relative to the item.
     */
    static BatchItemRequest item(ObjectMapper json, JsonNode item, int index) {
        String whole = ITEMS + "[" + index + "]";
        if (!item.isObject()) {
            throw notAnObject(whole);
        }
        try {
            return json.treeToValue(item, BatchItemRequest.class);
        } catch (MismatchedInputException e) {
            if (e.getPath().isEmpty()) {
                throw notAnObject(whole);
            }
            throw new InvalidInput(field(e), message(e));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            // Nothing else is expected from a tree already parsed within the limits; never echo Jackson's text,
            // which names internal classes.
            throw new InvalidInput(whole, "cannot be read as a memory");
        }
    }

    private static InvalidInput notAnObject(String whole) {
        return new InvalidInput(whole, "must be an object");
    }

    /** The path as the single-capture 422 names it: {@code attributes.mood}, {@code tags[0]}. */
    private static String field(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String message(MismatchedInputException e) {
        if (e instanceof UnrecognizedPropertyException) {
            return "unknown field";
        }
        if (e instanceof InvalidFormatException invalid) {
            return "cannot be read as " + invalid.getTargetType().getSimpleName();
        }
        return "has the wrong type";
    }
}
