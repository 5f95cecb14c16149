package io.mnemo.query.core;

/** The position the client asked for is not reflected by any source yet (not even the primary): retry shortly. */
public final class NotYetVisible extends QueryException {
    public NotYetVisible(String message) {
        super(message);
    }
}
