package io.mnemo.kit.problems;

import io.mnemo.kit.http.JsonBodyLimit;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import org.eclipse.jetty.io.EofException;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Anything unexpected → 500 with an error id that is also in the log; never a stack trace to the client. */
public final class UnexpectedProblemMapper implements ExceptionMapper<Throwable> {
    private static final Logger LOG = LoggerFactory.getLogger(UnexpectedProblemMapper.class);

    @Context
    private UriInfo request;

    @Override
    public Response toResponse(Throwable exception) {
        JsonBodyLimit.BodyRefused refused = JsonBodyLimit.BodyRefused.in(exception);
        if (refused != null) {
            return refused.response(request);
        }
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (cause instanceof EofException) {
                // the client closed its side before the body it declared was complete: its error, not ours
                return ProblemResponses.of(ProblemType.MALFORMED_REQUEST, "The request body ended before its end "
                        + "(fewer bytes than the declared Content-Length, or the connection was closed)", request);
            }
        }
        String errorId = UUID.randomUUID().toString();
        LOG.error("Unexpected error {}", errorId, exception);
        return ProblemResponses.of(ProblemType.INTERNAL_ERROR, "Unexpected error; reference " + errorId, request);
    }
}
