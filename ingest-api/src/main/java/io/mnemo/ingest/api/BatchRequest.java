package io.mnemo.ingest.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * Body of {@code POST /v1/memories:batch}, as documented. Items are bound and validated one by one: an item that
 * cannot be read or is invalid gets its own problem in the response and does not stop the others; only a body
 * that is not an object with an {@code items} array of 1 to {@value #MAX_ITEMS} elements is refused whole.
 */
public record BatchRequest(@NotNull @Size(min = 1, max = MAX_ITEMS, message = ITEMS_SIZE_MESSAGE) List<BatchItemRequest> items) {
    public static final int MAX_ITEMS = 500;
    public static final String ITEMS_SIZE_MESSAGE = "must hold 1 to " + MAX_ITEMS + " items";
}
