package io.mnemo.ingest.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** Answer to a batch: how many items were accepted and refused, and one result per item in request order. */
public record BatchResponse(
        @Schema(description = "How many items are durable in the log.", requiredMode = Schema.RequiredMode.REQUIRED)
        int accepted,
        @Schema(description = "How many items were refused (see their `problem`).",
                requiredMode = Schema.RequiredMode.REQUIRED) int refused,
        @Schema(description = "One result per item, in request order.", requiredMode = Schema.RequiredMode.REQUIRED)
        List<BatchItemResult> results) {
}
