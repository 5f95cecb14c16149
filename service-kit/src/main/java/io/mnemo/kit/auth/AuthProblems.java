package io.mnemo.kit.auth;

import io.mnemo.kit.problems.ProblemType;

/** Problem types of authentication, authorization and rate limiting, shared by every service. */
public final class AuthProblems {
    public static final ProblemType UNAUTHENTICATED = new ProblemType("unauthenticated",
            "A valid API key is required", 401);
    public static final ProblemType FORBIDDEN = new ProblemType("forbidden", "The API key lacks a required scope",
            403);
    public static final ProblemType RATE_LIMITED = new ProblemType("rate-limited", "Too many requests for this key",
            429);
    /** A request costing more tokens (items, media references) than its key's bucket can ever hold: split it. */
    public static final ProblemType REQUEST_EXCEEDS_RATE_LIMIT = new ProblemType("request-exceeds-rate-limit",
            "The request costs more than the key's rate limit allows at once", 413);
    public static final ProblemType AUTH_UNAVAILABLE = new ProblemType("auth-unavailable",
            "The API key cannot be verified now", 503);

    private AuthProblems() {
    }
}
