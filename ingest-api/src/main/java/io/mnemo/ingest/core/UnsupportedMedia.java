package io.mnemo.ingest.core;

/** The bytes are not of an allowed media type, or not of the type the client declared. */
public final class UnsupportedMedia extends MediaRejected {
    public UnsupportedMedia(String message) {
        super(message);
    }
}
