package io.mnemo.ingest.core;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The upload as the media store reads it: SHA-256 and size computed on the way, reading past the cap throws
 * {@link PayloadTooLarge}, and (for text) bytes that stop being UTF-8 throw {@link UnsupportedMedia}. The store
 * reads it once, front to back, so what it stored is exactly what was hashed and checked; the domain exceptions
 * are unchecked so they pass through the store untouched and make it abandon the upload.
 */
public final class InspectedStream extends FilterInputStream {
    private final MessageDigest sha256;
    private final long maxBytes;
    private final Utf8Validator text;
    private long size;
    private boolean ended;
    private String hex;

    /**
     * @param requireText check that the whole body is UTF-8 without NUL (the sniffer saw only its head)
     */
    public InspectedStream(InputStream body, long maxBytes, boolean requireText) {
        super(body);
        this.maxBytes = maxBytes;
        this.text = requireText ? new Utf8Validator() : null;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n <= 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        if (n < 0) {
            ended = true;
            if (text != null && !text.isCompleteAndValid()) {
                throw new UnsupportedMedia("the text ends inside a UTF-8 character");
            }
            return n;
        }
        size += n;
        if (size > maxBytes) {
            throw new PayloadTooLarge(maxBytes);
        }
        sha256.update(buffer, offset, n);
        if (text != null && !text.feed(buffer, offset, n)) {
            throw new UnsupportedMedia("the content is declared or sniffed as text but is not UTF-8 without NUL");
        }
        return n;
    }

    /** Skipping would leave bytes unhashed: read them instead. */
    @Override
    public long skip(long n) throws IOException {
        byte[] discard = new byte[(int) Math.min(8192, Math.max(0, n))];
        long skipped = 0;
        while (skipped < n) {
            int read = read(discard, 0, (int) Math.min(discard.length, n - skipped));
            if (read < 0) {
                break;
            }
            skipped += read;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readLimit) {
        // unsupported: a reset would hash bytes twice
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    /** Bytes read so far (the size of the body once {@link #isFullyRead()}). */
    public long size() {
        return size;
    }

    /** Whether the end of the body was reached. */
    public boolean isFullyRead() {
        return ended;
    }

    /** Lower-case hex SHA-256 of the whole body; only once it was read to the end. */
    public String sha256Hex() {
        if (!ended) {
            throw new IllegalStateException("the body was not read to its end");
        }
        if (hex == null) {
            hex = HexFormat.of().formatHex(sha256.digest()); // digest() resets the digest: compute once
        }
        return hex;
    }
}
