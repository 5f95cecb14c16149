package io.mnemo.query.api;

import java.util.List;

/** One page of a list: the items and the opaque cursor of the next page (null on the last page). */
public record MemoryPageResponse(List<MemoryResponse> items, String nextCursor) {
}
