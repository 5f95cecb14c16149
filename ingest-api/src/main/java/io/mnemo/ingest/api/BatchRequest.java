package io.mnemo.ingest.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * Body of {@code POST /v1/memories:batch}. Items are validated one by one: an invalid item gets its own problem
 * in the response and does not stop the others.
 */
public record BatchRequest(@NotNull @Size(min = 1, max = 500, message = "must hold 1 to 500 items") List<BatchItemRequest> items) {
}
