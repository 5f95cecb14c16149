package io.mnemo.ingest.resources;

import io.mnemo.ingest.core.IngestException;
import io.mnemo.ingest.core.IngestUnavailable;
import io.mnemo.ingest.core.InvalidInput;
import io.mnemo.kit.problems.Problem;
import io.mnemo.kit.problems.ProblemResponses;
import io.mnemo.kit.problems.ProblemType;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.List;

/** Maps ingest's domain refusals to problem+json, by type. */
public final class IngestProblems implements ExceptionMapper<IngestException> {
    public static final ProblemType UNAVAILABLE = new ProblemType("ingest-unavailable",
            "The event log cannot take the write now", 503);

    @Context
    private UriInfo request;

    @Override
    public Response toResponse(IngestException exception) {
        if (exception instanceof InvalidInput invalid) {
            return ProblemResponses.of(ProblemType.VALIDATION_FAILED, 422, "1 invalid field(s)",
                    List.of(new Problem.FieldError(invalid.field(), invalid.getMessage())), request);
        }
        IngestUnavailable unavailable = (IngestUnavailable) exception;
        return ProblemResponses.retryLater(UNAVAILABLE,
                unavailable.getMessage() + "; nothing was accepted, retry with the same Idempotency-Key",
                unavailable.retryAfter(), request);
    }
}
