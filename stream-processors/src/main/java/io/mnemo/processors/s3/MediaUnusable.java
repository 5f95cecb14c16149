package io.mnemo.processors.s3;

/**
 * A media reference that can never be promoted, however often it is retried: its staged bytes are gone or do not
 * match the hash the reference claims, or the reference itself is malformed. Not transient: the media sink
 * dead-letters the change instead of retrying it.
 */
public final class MediaUnusable extends RuntimeException {
    public MediaUnusable(String message) {
        super(message);
    }

    public MediaUnusable(String message, Throwable cause) {
        super(message, cause);
    }
}
