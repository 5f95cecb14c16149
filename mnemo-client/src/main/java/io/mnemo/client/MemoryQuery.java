package io.mnemo.client;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Filters of a list of one user's memories (all must match) and its page size. */
public record MemoryQuery(Optional<Instant> from, Optional<Instant> to, List<String> tags, Optional<String> text,
                          int pageSize) {
    public static final int MAX_PAGE_SIZE = 200;

    public MemoryQuery {
        tags = List.copyOf(tags);
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("pageSize must be 1 to " + MAX_PAGE_SIZE);
        }
    }

    /** Every memory, newest first, in pages of 100. */
    public static MemoryQuery all() {
        return new MemoryQuery(Optional.empty(), Optional.empty(), List.of(), Optional.empty(), 100);
    }

    /** Memories that occurred in [from, to). */
    public MemoryQuery between(Instant fromInclusive, Instant toExclusive) {
        return new MemoryQuery(Optional.of(fromInclusive), Optional.of(toExclusive), tags, text, pageSize);
    }

    public MemoryQuery tag(String tag) {
        List<String> more = new ArrayList<>(tags);
        more.add(tag);
        return new MemoryQuery(from, to, more, text, pageSize);
    }

    /** Full-text search: every word must occur. */
    public MemoryQuery search(String words) {
        return new MemoryQuery(from, to, tags, Optional.of(words), pageSize);
    }

    public MemoryQuery pageSize(int size) {
        return new MemoryQuery(from, to, tags, text, size);
    }

    java.time.OffsetDateTime fromUtc() {
        return from.map(i -> i.atOffset(ZoneOffset.UTC)).orElse(null);
    }

    java.time.OffsetDateTime toUtc() {
        return to.map(i -> i.atOffset(ZoneOffset.UTC)).orElse(null);
    }
}
