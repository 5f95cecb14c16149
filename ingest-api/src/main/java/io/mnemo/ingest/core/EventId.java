package io.mnemo.ingest.core;

import java.util.Objects;
import java.util.UUID;

/** Identity of one event; the stream processors drop a second event with the same id. */
public record EventId(UUID value) {
    public EventId {
        Objects.requireNonNull(value, "event id");
    }
}
