package io.mnemo.query.core;

/** A value read from the projections and the source that served it. */
public record Read<T>(T value, ReadSource source) {
}
