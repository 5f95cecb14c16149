package io.mnemo.client;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A memory to capture for a user: what happened, when, and its tags and attributes. */
public record Memory(String userId, Instant occurredAt, String content, List<String> tags,
                     Map<String, String> attributes) {
    public Memory {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(occurredAt, "occurredAt");
        Objects.requireNonNull(content, "content");
        tags = List.copyOf(tags);
        attributes = Map.copyOf(attributes);
    }

    /** A memory that occurred now. */
    public static Memory of(String userId, String content) {
        return new Memory(userId, Instant.now(), content, List.of(), Map.of());
    }

    public Memory occurredAt(Instant when) {
        return new Memory(userId, when, content, tags, attributes);
    }

    public Memory tags(String... values) {
        return new Memory(userId, occurredAt, content, List.of(values), attributes);
    }

    public Memory attributes(Map<String, String> values) {
        return new Memory(userId, occurredAt, content, tags, values);
    }
}
