package io.mnemo.query.core;

/** No such memory or media for this user (unknown, forgotten, or another tenant's: indistinguishable on purpose). */
public final class NotFound extends QueryException {
    public NotFound(String message) {
        super(message);
    }
}
