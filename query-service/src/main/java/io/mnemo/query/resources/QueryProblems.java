package io.mnemo.query.resources;

import io.mnemo.kit.problems.Problem;
import io.mnemo.kit.problems.ProblemResponses;
import io.mnemo.kit.problems.ProblemType;
import io.mnemo.query.core.InvalidQuery;
import io.mnemo.query.core.NoReadSource;
import io.mnemo.query.core.QueryException;
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

    @Context
    private UriInfo request;

    @Override
    public Response toResponse(QueryException exception) {
        if (exception instanceof InvalidQuery invalid) {
            return ProblemResponses.of(INVALID_PARAMETER, 400, invalid.getMessage(),
                    List.of(new Problem.FieldError(invalid.parameter(), invalid.getMessage())), request);
        }
        NoReadSource unavailable = (NoReadSource) exception;
        return ProblemResponses.retryLater(UNAVAILABLE, unavailable.getMessage(), Duration.ofSeconds(2), request);
    }
}
