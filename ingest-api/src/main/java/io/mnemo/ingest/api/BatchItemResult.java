package io.mnemo.ingest.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mnemo.kit.problems.Problem;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * Outcome of one batch item, in request order: {@code status} 202 with memoryId and position when the item is
 * durable in the log, otherwise the HTTP status and problem the item would have had on its own.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchItemResult(
        @Schema(description = "The item's index in the request.", requiredMode = Schema.RequiredMode.REQUIRED)
        int index,
        @Schema(description = "202 when the item is durable, else the status it would have had on its own "
                + "(422 invalid, 503 the log did not take it).", requiredMode = Schema.RequiredMode.REQUIRED)
        int status,
        @Schema(description = "The memory's id, when accepted.", format = "uuid") String memoryId,
        @Schema(description = "`partition:offset` of the item's event, when accepted.", pattern = "^[0-9]+:[0-9]+$")
        String position,
        @Schema(description = "Why the item was refused, when refused.") Problem problem) {
}
