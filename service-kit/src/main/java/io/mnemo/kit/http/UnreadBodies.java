package io.mnemo.kit.http;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * What becomes of a request body that was refused before anyone read it (401, 403, 415, 429 ... answered from a
 * filter or from the headers alone). Left alone, Jetty tries to skip the unread rest after the answer is sent and,
 * when the rest has not all arrived, closes the connection without having said so: an HTTP/1.1 client that pools
 * connections may then send its next request on a connection that is being closed and see it fail with no answer
 * at all (the JDK client's "header parser received no bytes"). This filter settles it before the answer goes out,
 * as Tomcat's {@code maxSwallowSize} does: a refused body of up to {@link #DRAIN_LIMIT} bytes is read and dropped,
 * so the connection stays usable; a larger one (or one of unknown length) is not read, and the answer carries
 * {@code Connection: close}, so the client opens a new connection for its next request.
 *
 * <p>Only bodies nobody has read a byte of are touched: a body a resource read (even in part) is the resource's,
 * and Jetty's handling of its rest is unchanged.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION - 100)
public final class UnreadBodies implements ContainerRequestFilter, ContainerResponseFilter {
    /** The most a refused body is read to keep its connection: a couple of JSON batches, never a media upload. */
    public static final long DRAIN_LIMIT = 64 * 1024;

    private static final String TRACKER = UnreadBodies.class.getName() + ".tracker";

    @Override
    public void filter(ContainerRequestContext request) {
        if (!declaresBody(request)) {
            return;
        }
        TrackedStream tracked = new TrackedStream(request.getEntityStream());
        request.setProperty(TRACKER, tracked);
        request.setEntityStream(tracked);
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (!(request.getProperty(TRACKER) instanceof TrackedStream tracked) || tracked.touched()
                || response.getStatus() < 400) {
            return;
        }
        long length = request.getLength();
        if (length >= 0 && length <= DRAIN_LIMIT && tracked.drain(DRAIN_LIMIT)) {
            return;
        }
        response.getHeaders().putSingle("Connection", "close");
    }

    private static boolean declaresBody(ContainerRequestContext request) {
        return request.getLength() > 0 || request.getHeaderString("Transfer-Encoding") != null;
    }

    /** The request's body stream, remembering whether anyone read from it. */
    static final class TrackedStream extends FilterInputStream {
        private volatile boolean touched;

        TrackedStream(InputStream in) {
            super(in);
        }

        boolean touched() {
            return touched;
        }

        @Override
        public int read() throws IOException {
            touched = true;
            return super.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            touched = true;
            return super.read(buffer, offset, length);
        }

        @Override
        public long skip(long n) throws IOException {
            touched = true;
            return super.skip(n);
        }

        /** Reads and drops the whole body if it ends within {@code limit} bytes; false if not (or it failed). */
        boolean drain(long limit) {
            byte[] buffer = new byte[8192];
            long drained = 0;
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    drained += n;
                    if (drained > limit) {
                        return false;
                    }
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }
}
