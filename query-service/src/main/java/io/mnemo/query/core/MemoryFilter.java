package io.mnemo.query.core;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Filters of a memory listing: occurredAt in [from, to), every one of the tags, and a full-text query over the
 * content (PostgreSQL text search, 'simple' configuration, words ANDed).
 */
public record MemoryFilter(Optional<Instant> from, Optional<Instant> to, List<String> tags, Optional<String> text) {
    public static final int MAX_TAGS = 10;
    public static final int MAX_TEXT = 256;

    public MemoryFilter {
        tags = List.copyOf(new TreeSet<>(tags));
        if (tags.size() > MAX_TAGS) {
            throw new InvalidQuery("tag", "at most " + MAX_TAGS + " tags");
        }
        for (String tag : tags) {
            if (tag.isBlank() || tag.length() > 64) {
                throw new InvalidQuery("tag", "must be 1-64 characters");
            }
            // no stored tag can hold one (ingest refuses them; Postgres text cannot), so it is an error, not a miss
            if (tag.indexOf('\0') >= 0) {
                throw new InvalidQuery("tag", "must not contain the NUL character");
            }
        }
        text = text.map(String::strip).filter(q -> !q.isEmpty());
        if (text.isPresent() && text.get().length() > MAX_TEXT) {
            throw new InvalidQuery("q", "must be at most " + MAX_TEXT + " characters");
        }
        if (text.isPresent() && text.get().indexOf('\0') >= 0) {
            throw new InvalidQuery("q", "must not contain the NUL character");
        }
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw new InvalidQuery("from", "must be before to");
        }
    }

    public static MemoryFilter none() {
        return new MemoryFilter(Optional.empty(), Optional.empty(), List.of(), Optional.empty());
    }

    /** A canonical form a cursor is bound to: a cursor of one filter cannot page another. */
    String canonical() {
        return from.map(Instant::toString).orElse("") + "\n" + to.map(Instant::toString).orElse("") + "\n"
                + String.join("\u0001", tags) + "\n" + text.orElse("");
    }
}
