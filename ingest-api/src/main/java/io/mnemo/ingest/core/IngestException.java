package io.mnemo.ingest.core;

/** Why ingest refused a command; resources map each subtype to its HTTP problem. */
public abstract sealed class IngestException extends RuntimeException permits InvalidInput, IngestUnavailable, IngestOverloaded, UserGone {
    protected IngestException(String message) {
        super(message);
    }

    protected IngestException(String message, Throwable cause) {
        super(message, cause);
    }
}
