package io.mnemo.query.core;

/** Neither a replica nor the primary could answer. */
public final class NoReadSource extends QueryException {
    public NoReadSource(String message, Throwable cause) {
        super(message, cause);
    }
}
