package io.mnemo.ingest.api;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * Answer to an accepted memory: its id and its position in the event log, which a client may send back
 * as {@code X-Mnemo-Position} to read its own write.
 */
public record MemoryAccepted(
        @Schema(description = "The memory's id.", format = "uuid", requiredMode = Schema.RequiredMode.REQUIRED,
                example = "0b6a4c44-5b0e-4d53-9d4c-1f1f8f0c2f6e") String memoryId,
        @Schema(description = "`partition:offset` of the event in the log: send it to the query service as "
                + "X-Mnemo-Position to read this write.", pattern = "^[0-9]+:[0-9]+$",
                requiredMode = Schema.RequiredMode.REQUIRED, example = "3:1042") String position) {
}
