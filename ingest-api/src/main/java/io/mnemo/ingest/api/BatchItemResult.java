package io.mnemo.ingest.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mnemo.kit.problems.Problem;

/**
 * Outcome of one batch item, in request order: {@code status} 202 with memoryId and position when the item is
 * durable in the log, otherwise the HTTP status and problem the item would have had on its own.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchItemResult(int index, int status, String memoryId, String position, Problem problem) {
}
