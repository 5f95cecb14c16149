package io.mnemo.query.core;

/** Why a query was refused; resources map each subtype to its HTTP problem. */
public abstract sealed class QueryException extends RuntimeException permits InvalidQuery, NoReadSource, NotYetVisible, NotFound, TooManyExports {
    protected QueryException(String message) {
        super(message);
    }

    protected QueryException(String message, Throwable cause) {
        super(message, cause);
    }
}
