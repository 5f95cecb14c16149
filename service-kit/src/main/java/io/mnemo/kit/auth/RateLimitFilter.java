package io.mnemo.kit.auth;

import io.mnemo.kit.problems.ProblemResponses;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.time.Duration;

/**
 * Per-key rate limit, after authentication: every request takes one token when it arrives (what it costs beyond
 * that is charged through {@link RequestCost} once known); 429 with {@code Retry-After} when the key's bucket is
 * empty, and the
 * IETF draft {@code RateLimit-Limit/-Remaining/-Reset} headers on every response of a limited endpoint so
 * well-behaved clients can slow down before they are refused.
 */
@Priority(Priorities.AUTHORIZATION)
public final class RateLimitFilter implements ContainerRequestFilter, ContainerResponseFilter {
    private static final String DECISION_PROPERTY = "mnemo.rateLimit";

    private final RateLimiter limiter;

    public RateLimitFilter(RateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (!(request.getProperty(ApiKeyAuthFilter.API_KEY_PROPERTY) instanceof ApiKey key)) {
            return; // not authenticated: the authentication filter has already answered
        }
        RateLimiter.Decision decision = limiter.tryAcquire(key);
        request.setProperty(DECISION_PROPERTY, decision);
        if (decision.allowed()) {
            request.setProperty(RequestCost.PROPERTY, new RequestCost(limiter, key));
        } else {
            Response problem = ProblemResponses.retryLater(AuthProblems.RATE_LIMITED,
                    "Key " + key.keyId() + " allows " + decision.limit() + " requests at once; retry after "
                            + decision.retryAfterSeconds() + " s",
                    Duration.ofSeconds(decision.retryAfterSeconds()), request.getUriInfo());
            Response.ResponseBuilder limited = Response.fromResponse(problem);
            headers(decision).forEach(limited::header);
            request.abortWith(limited.build());
        }
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        MultivaluedMap<String, Object> headers = response.getHeaders();
        // a refusal of the request's cost (RateLimitProblems) already says what is left after it
        if (request.getProperty(DECISION_PROPERTY) instanceof RateLimiter.Decision decision
                && !headers.containsKey("RateLimit-Limit")) {
            headers(decision).forEach(headers::putSingle);
        }
    }

    private static java.util.Map<String, Object> headers(RateLimiter.Decision decision) {
        return java.util.Map.of("RateLimit-Limit", decision.limit(), "RateLimit-Remaining", decision.remaining(),
                "RateLimit-Reset", decision.resetSeconds());
    }
}
