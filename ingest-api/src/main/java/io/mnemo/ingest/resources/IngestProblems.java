package io.mnemo.ingest.resources;

import io.mnemo.ingest.core.IngestException;
import io.mnemo.ingest.core.IngestOverloaded;
import io.mnemo.ingest.core.IngestUnavailable;
import io.mnemo.ingest.core.UserGone;
import io.mnemo.ingest.core.InvalidInput;
import io.mnemo.kit.problems.Problem;
import io.mnemo.kit.problems.ProblemResponses;
import io.mnemo.kit.problems.ProblemType;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.time.Duration;
import java.util.List;

/** Maps ingest's domain refusals to problem+json, by type; also used for the per-item problems of a batch. */
public final class IngestProblems implements ExceptionMapper<IngestException> {
    public static final ProblemType UNAVAILABLE = new ProblemType("ingest-unavailable",
            "The event log cannot take the write now", 503);
    public static final ProblemType OVERLOADED = new ProblemType("ingest-overloaded",
            "Too many writes are waiting for the event log", 503);

    public static final ProblemType USER_GONE = new ProblemType("user-erased",
            "The user was erased", 410);

    @Context
    private UriInfo request;

    @Override
    public Response toResponse(IngestException exception) {
        Problem problem = problem(exception, request);
        Response.ResponseBuilder response = Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem);
        retryAfter(exception).ifPresent(after -> response.header("Retry-After",
                ProblemResponses.retryAfterSeconds(after)));
        return response.build();
    }

    /** The problem document for a refusal (the same whether it answers a request or one batch item). */
    static Problem problem(IngestException exception, UriInfo request) {
        if (exception instanceof InvalidInput invalid) {
            return ProblemResponses.body(ProblemType.VALIDATION_FAILED, 422, "1 invalid field(s)",
                    List.of(new Problem.FieldError(invalid.field(), invalid.getMessage())), request);
        }
        if (exception instanceof UserGone gone) {
            return ProblemResponses.body(USER_GONE, 410, gone.getMessage() + "; nothing was accepted", List.of(),
                    request);
        }
        if (exception instanceof IngestOverloaded overloaded) {
            return ProblemResponses.body(OVERLOADED, 503, overloaded.getMessage() + "; nothing was accepted",
                    List.of(), request);
        }
        return ProblemResponses.body(UNAVAILABLE, 503, exception.getMessage()
                + "; nothing was accepted, retry with the same Idempotency-Key", List.of(), request);
    }

    static java.util.Optional<Duration> retryAfter(IngestException exception) {
        if (exception instanceof IngestUnavailable unavailable) {
            return java.util.Optional.of(unavailable.retryAfter());
        }
        if (exception instanceof IngestOverloaded overloaded) {
            return java.util.Optional.of(overloaded.retryAfter());
        }
        return java.util.Optional.empty();
    }
}
