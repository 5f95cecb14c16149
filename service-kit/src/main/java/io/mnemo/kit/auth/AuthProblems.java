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
    public static final ProblemType AUTH_UNAVAILABLE = new ProblemType("auth-unavailable",
            "The API key cannot be verified now", 503);

    private AuthProblems() {
    }
}
