package io.mnemo.query.resources;

import io.mnemo.kit.problems.Problem;
import io.mnemo.kit.problems.ProblemResponses;
import io.mnemo.kit.problems.ProblemType;
import io.mnemo.query.core.InvalidQuery;
import io.mnemo.query.core.NoReadSource;
import io.mnemo.query.core.NotFound;
import io.mnemo.query.core.NotYetVisible;
import io.mnemo.query.core.QueryException;
import io.mnemo.query.core.TooManyExports;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.time.Duration;
import java.util.List;

/** Maps the query service's refusals to problem+json, by type. */
public final class QueryProblems implements ExceptionMapper<QueryException> {
    public static final ProblemType INVALID_PARAMETER = new ProblemType("invalid-parameter", "Invalid query parameter",
            400);
    public static final ProblemType UNAVAILABLE = new ProblemType("read-unavailable", "No database can answer now",
            503);
    public static final ProblemType NOT_YET_VISIBLE = new ProblemType("position-not-yet-visible",
            "The requested position is not reflected yet", 503);
    public static final ProblemType NOT_FOUND = new ProblemType("not-found", "Not found", 404);
    public static final ProblemType TOO_MANY_EXPORTS = new ProblemType("too-many-concurrent-exports",
            "Too many exports of this tenant are in progress", 429);

    @Context
    private UriInfo request;

    @Override
    public Response toResponse(QueryException exception) {
        if (exception instanceof InvalidQuery invalid) {
            return ProblemResponses.of(INVALID_PARAMETER, 400, invalid.getMessage(),
                    List.of(new Problem.FieldError(invalid.parameter(), invalid.getMessage())), request);
        }
        if (exception instanceof NotFound notFound) {
            return ProblemResponses.of(NOT_FOUND, 404, notFound.getMessage(), List.of(), request);
        }
        if (exception instanceof NotYetVisible notYet) {
            // the write is durable in the log; the projections are behind it for a moment
            return ProblemResponses.retryLater(NOT_YET_VISIBLE, notYet.getMessage(), Duration.ofSeconds(1), request);
        }
        if (exception instanceof TooManyExports tooMany) {
            return ProblemResponses.retryLater(TOO_MANY_EXPORTS, tooMany.getMessage()
                    + "; retry once one has finished", tooMany.retryAfter(), request);
        }
        NoReadSource unavailable = (NoReadSource) exception;
        return ProblemResponses.retryLater(UNAVAILABLE, unavailable.getMessage(), Duration.ofSeconds(2), request);
    }
}
