package io.mnemo.query.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** One page of a list: the items and the opaque cursor of the next page (null on the last page). */
public record MemoryPageResponse(
        @Schema(description = "The memories of this page, newest first.") List<MemoryResponse> items,
        @Schema(description = "Opaque cursor of the next page, to pass back unchanged as `cursor` with the same "
                + "filters; its content is not part of the API. Absent on the last page.", nullable = true)
        String nextCursor) {
}
