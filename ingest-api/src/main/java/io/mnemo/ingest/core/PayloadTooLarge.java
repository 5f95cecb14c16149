package io.mnemo.ingest.core;

/** The upload is larger than the configured cap (declared up front or found while streaming). */
public final class PayloadTooLarge extends MediaRejected {
    private final long maxBytes;

    public PayloadTooLarge(long maxBytes) {
        super("media uploads are limited to " + maxBytes + " bytes");
        this.maxBytes = maxBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
