package io.mnemo.query.core;

import java.util.List;
import java.util.Optional;

/** Port: reads the memories projection. */
public interface MemoryReader {
    /** Up to {@code limit} memories of the user, newest first, strictly after {@code after} when given. */
    Read<List<MemoryView>> newestFirst(String tenantId, String userId, Optional<Cursor> after, int limit);
}
