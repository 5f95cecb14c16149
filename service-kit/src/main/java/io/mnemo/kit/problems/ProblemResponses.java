package io.mnemo.kit.problems;

import io.mnemo.kit.http.RequestIds;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.List;

/** Builds problem+json responses carrying the current request id and path. */
public final class ProblemResponses {
    private ProblemResponses() {
    }

    public static Response of(ProblemType type, String detail, UriInfo request) {
        return of(type, type.status(), detail, List.of(), request);
    }

    public static Response of(ProblemType type, int status, String detail, List<Problem.FieldError> errors,
                              UriInfo request) {
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(body(type, status, detail, errors, request))
                .build();
    }

    /** The problem document alone, e.g. for one item of a batch answer. */
    public static Problem body(ProblemType type, int status, String detail, List<Problem.FieldError> errors,
                               UriInfo request) {
        String path = request == null ? null : "/" + request.getPath();
        return new Problem(type.uri(), type.title(), status, detail, path, RequestIds.current(), errors);
    }

    /** Whole seconds for {@code Retry-After}, rounded up, at least 1. */
    public static long retryAfterSeconds(Duration retryAfter) {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }

    /** A problem that tells the client when to try again ({@code Retry-After} in whole seconds, at least 1). */
    public static Response retryLater(ProblemType type, String detail, Duration retryAfter,
                                      UriInfo request) {
        return Response.fromResponse(of(type, detail, request)).header("Retry-After", retryAfterSeconds(retryAfter))
                .build();
    }
}
