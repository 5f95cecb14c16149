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
import java.time.Duration;

/**
 * Caps JSON request bodies: a declared {@code Content-Length} above the cap is refused before reading, and a
 * chunked body is cut off as soon as it passes the cap, so an oversized body never sits in memory. Binary
 * uploads (media) are not JSON and have their own, larger cap.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION - 50)
public final class JsonBodyLimit implements ContainerRequestFilter {
    public static final ProblemType PAYLOAD_TOO_LARGE = new ProblemType("payload-too-large", "Payload too large", 413);

    public static final ProblemType REQUEST_TIMEOUT = new ProblemType("request-timeout", "Request body too slow", 408);

    private final long maxBytes;
    private final Duration maxReadTime;

    /**
     * @param maxReadTime how long a body may take to arrive: a client trickling bytes would otherwise hold a request
     *                    thread for as long as it keeps each gap under the idle timeout. (Jetty's minimum request
     *                    data rate is not used: it measures from the request's start, so a two-byte body read a few
     *                    milliseconds late under load fails it.)
     */
    public JsonBodyLimit(long maxBytes, Duration maxReadTime) {
        this.maxBytes = maxBytes;
        this.maxReadTime = maxReadTime;
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
        request.setEntityStream(new CappedStream(request.getEntityStream(), maxBytes, detail(),
                System.nanoTime() + maxReadTime.toNanos(), "JSON bodies must arrive within " + maxReadTime.toSeconds()
                + " s"));
    }

    /**
     * The 413 answer. It closes the connection: the rest of the oversized body is never read, so the connection
     * cannot carry another request.
     */
    public static Response tooLarge(String detail, UriInfo uri) {
        return closing(PAYLOAD_TOO_LARGE, detail, uri);
    }

    private static Response closing(ProblemType type, String detail, UriInfo uri) {
        return Response.fromResponse(ProblemResponses.of(type, detail, uri)).header("Connection", "close").build();
    }

    private String detail() {
        return "JSON bodies are limited to " + maxBytes + " bytes";
    }

    /**
     * A JSON body refused while it was being read, too large or too slow. Unchecked so parsers pass it through
     * (mappers look for it in causes); its answer closes the connection, whose unread rest cannot carry a request.
     */
    public abstract static sealed class BodyRefused extends WebApplicationException permits TooLarge, TooSlow {
        private final ProblemType type;

        BodyRefused(String detail, ProblemType type) {
            super(detail, type.status());
            this.type = type;
        }

        public Response response(UriInfo uri) {
            return closing(type, getMessage(), uri);
        }

        /** The refusal in a cause chain, if any (parsers sometimes wrap what the stream threw). */
        public static BodyRefused in(Throwable error) {
            for (Throwable cause = error; cause != null; cause = cause.getCause()) {
                if (cause instanceof BodyRefused refused) {
                    return refused;
                }
            }
            return null;
        }
    }

    /** Thrown while reading past the cap. */
    public static final class TooLarge extends BodyRefused {
        TooLarge(String detail) {
            super(detail, PAYLOAD_TOO_LARGE);
        }
    }

    /** Thrown when a body is still arriving after its deadline. */
    public static final class TooSlow extends BodyRefused {
        TooSlow(String detail) {
            super(detail, REQUEST_TIMEOUT);
        }
    }

    private static final class CappedStream extends FilterInputStream {
        private final long max;
        private final String detail;
        private final long deadline;
        private final String slowDetail;
        private long read;

        CappedStream(InputStream in, long max, String detail, long deadline, String slowDetail) {
            super(in);
            this.max = max;
            this.detail = detail;
            this.deadline = deadline;
            this.slowDetail = slowDetail;
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
            if (System.nanoTime() - deadline > 0) {
                throw new TooSlow(slowDetail);
            }
        }
    }
}
