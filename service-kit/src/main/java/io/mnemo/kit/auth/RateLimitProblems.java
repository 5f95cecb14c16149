package io.mnemo.kit.auth;

import io.mnemo.kit.problems.ProblemResponses;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.time.Duration;

/** Maps a request's cost refused by its key's rate limit: 429 with {@code Retry-After}, or 413 when it never fits. */
public final class RateLimitProblems implements ExceptionMapper<RateLimitExceeded> {
    @Context
    private UriInfo request;

    @Override
    public Response toResponse(RateLimitExceeded exception) {
        if (exception.decision().isEmpty()) {
            return ProblemResponses.of(AuthProblems.REQUEST_EXCEEDS_RATE_LIMIT, exception.getMessage(), request);
        }
        RateLimiter.Decision decision = exception.decision().get();
        Response problem = ProblemResponses.retryLater(AuthProblems.RATE_LIMITED, exception.getMessage(),
                Duration.ofSeconds(decision.retryAfterSeconds()), request);
        return Response.fromResponse(problem).header("RateLimit-Limit", decision.limit())
                .header("RateLimit-Remaining", 0).header("RateLimit-Reset", decision.resetSeconds()).build();
    }
}
