package io.mnemo.kit.http;

import io.mnemo.kit.problems.ProblemResponses;
import io.mnemo.kit.problems.ProblemType;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Caps JSON request bodies: a declared {@code Content-Length} above the cap is refused before reading, and a
 * chunked body is cut off as soon as it passes the cap, so an oversized body never sits in memory. Binary
 * uploads (media) are not JSON and have their own, larger cap.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION - 50)
public final class JsonBodyLimit implements ContainerRequestFilter {
    public static final ProblemType PAYLOAD_TOO_LARGE = new ProblemType("payload-too-large", "Payload too large", 413);

    private final long maxBytes;

    public JsonBodyLimit(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        MediaType type = request.getMediaType();
        // Media types are case-insensitive, and Jersey and Jackson match them so: compare the same way, or
        // "application/JSON" would skip the cap.
        String subtype = type == null ? "" : type.getSubtype().toLowerCase(java.util.Locale.ROOT);
        if (!(subtype.equals("json") || subtype.endsWith("+json"))) {
            return;
        }
        if (request.getLength() > maxBytes) {
            request.abortWith(tooLarge(detail(), request.getUriInfo()));
            return;
        }
        request.setEntityStream(new CappedStream(request.getEntityStream(), maxBytes, detail()));
    }

    /**
     * The 413 answer. It closes the connection: the rest of the oversized body is never read, so the connection
     * cannot carry another request.
     */
    public static Response tooLarge(String detail, UriInfo uri) {
        return Response.fromResponse(ProblemResponses.of(PAYLOAD_TOO_LARGE, detail, uri))
                .header("Connection", "close").build();
    }

    private String detail() {
        return "JSON bodies are limited to " + maxBytes + " bytes";
    }

    /** Thrown while reading past the cap; unchecked so parsers pass it through (mappers look for it in causes). */
    public static final class TooLarge extends WebApplicationException {
        TooLarge(String detail) {
            super(detail, 413);
        }

        /** The TooLarge in a cause chain, if any (parsers sometimes wrap what the stream threw). */
        public static TooLarge in(Throwable error) {
            for (Throwable cause = error; cause != null; cause = cause.getCause()) {
                if (cause instanceof TooLarge tooLarge) {
                    return tooLarge;
                }
            }
            return null;
        }
    }

    private static final class CappedStream extends FilterInputStream {
        private final long max;
        private final String detail;
        private long read;

        CappedStream(InputStream in, long max, String detail) {
            super(in);
            this.max = max;
            this.detail = detail;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) {
            read += n;
            if (read > max) {
                throw new TooLarge(detail);
            }
        }
    }
}
