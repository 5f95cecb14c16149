package io.mnemo.ingest.core;

import java.util.Objects;
import java.util.UUID;

/** Identity of one memory, stable across revisions. */
public record MemoryId(UUID value) {
    public MemoryId {
        Objects.requireNonNull(value, "memory id");
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
