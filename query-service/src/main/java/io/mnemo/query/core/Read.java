package io.mnemo.query.core;

import java.util.Optional;

/**
 * A value read from the projections, the source that served it, and how far that source's projection had
 * applied the user's event-log partition when it answered (absent before the first write of the partition).
 */
public record Read<T>(T value, ReadSource source, Optional<LogPosition> position) {
    public Read(T value, ReadSource source) {
        this(value, source, Optional.empty());
    }

    public <R> Read<R> map(java.util.function.Function<T, R> mapper) {
        return new Read<>(mapper.apply(value), source, position);
    }
}
