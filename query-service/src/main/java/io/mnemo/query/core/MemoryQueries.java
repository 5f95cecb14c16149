package io.mnemo.query.core;

import java.util.List;
import java.util.Optional;

/** Analysts' queries over the memories projection, with keyset paging. */
public final class MemoryQueries {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;

    private final MemoryReader reader;
    private final CursorCodec cursors;

    public MemoryQueries(MemoryReader reader, CursorCodec cursors) {
        this.reader = reader;
        this.cursors = cursors;
    }

    /** One page and the cursor of the next one (absent on the last page). */
    public record Page(List<MemoryView> items, Optional<String> nextCursor) {
    }

    public Read<Page> page(String tenantId, String userId, Optional<String> cursorToken, Optional<Integer> limit) {
        int size = limit.orElse(DEFAULT_LIMIT);
        if (size < 1 || size > MAX_LIMIT) {
            throw new InvalidQuery("limit", "must be between 1 and " + MAX_LIMIT);
        }
        String scope = tenantId + "\n" + userId;
        Optional<Cursor> after = cursorToken.map(token -> cursors.decode(token, scope));
        // One extra row tells whether another page exists without a second query.
        Read<List<MemoryView>> rows = reader.newestFirst(tenantId, userId, after, size + 1);
        List<MemoryView> items = rows.value();
        Optional<String> next = Optional.empty();
        if (items.size() > size) {
            items = items.subList(0, size);
            MemoryView last = items.get(size - 1);
            next = Optional.of(cursors.encode(new Cursor(last.occurredAt(), last.memoryId()), scope));
        }
        return new Read<>(new Page(List.copyOf(items), next), rows.source());
    }
}
