package io.mnemo.ingest.core;

/**
 * Why a media upload was refused, beyond the refusals every command shares ({@link IngestException}); resources
 * map each subtype to its HTTP problem. Whatever was staged for the upload has been removed when one is thrown.
 */
public abstract sealed class MediaRejected extends RuntimeException
        permits PayloadTooLarge, UnsupportedMedia, MediaStorageUnavailable, TooManyUploads {
    protected MediaRejected(String message) {
        super(message);
    }

    protected MediaRejected(String message, Throwable cause) {
        super(message, cause);
    }
}
