package io.mnemo.kit.auth;

import io.mnemo.kit.problems.ProblemResponses;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates {@code Authorization: Bearer <api key>} against the {@link ApiKeyCache} and checks the scope the
 * resource method requires: 401 without a valid key, 403 without the scope. Bound by {@link ApiKeyAuthFeature}
 * to methods carrying {@link RequiresScope} only.
 */
@Priority(Priorities.AUTHENTICATION)
public final class ApiKeyAuthFilter implements ContainerRequestFilter {
    /** Request property holding the authenticated {@link ApiKey}, for the filters that run after this one. */
    static final String API_KEY_PROPERTY = "mnemo.apiKey";
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyAuthFilter.class);
    private static final String BEARER = "Bearer";
    private static final String CHALLENGE = "Bearer realm=\"mnemo\"";

    private final ApiKeyCache keys;
    private final String requiredScope;

    public ApiKeyAuthFilter(ApiKeyCache keys, String requiredScope) {
        this.keys = keys;
        this.requiredScope = requiredScope;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || header.isBlank()) {
            unauthenticated(request, CHALLENGE, "Send an API key: Authorization: Bearer <key>");
            return;
        }
        Optional<ApiKeyToken> token = bearerToken(header).flatMap(ApiKeyToken::parse);
        if (token.isEmpty()) {
            unauthenticated(request, CHALLENGE + ", error=\"invalid_token\"",
                    "The Authorization header does not carry a Mnemo API key (Bearer mnemo_...)");
            return;
        }
        Optional<ApiKey> key;
        try {
            key = keys.find(token.get().keyId());
        } catch (ApiKeysUnavailable e) {
            LOG.warn("Cannot verify API key {}: {}", token.get(), e.getMessage());
            request.abortWith(ProblemResponses.retryLater(AuthProblems.AUTH_UNAVAILABLE,
                    "The API key is not known to this instance yet and the key store cannot be reached",
                    Duration.ofSeconds(2), request.getUriInfo()));
            return;
        }
        // Unknown, revoked and wrong secret look the same to the client: no oracle for which part was right.
        if (key.isEmpty() || !key.get().isActive() || !token.get().matches(key.get().secretHash())) {
            unauthenticated(request, CHALLENGE + ", error=\"invalid_token\"", "The API key is unknown or revoked");
            return;
        }
        Caller caller = key.get().caller();
        // Authenticated even when refused below, so the refusal is counted against the caller's tenant
        // (mnemo.<service>.rejected, HttpMetrics).
        boolean secure = request.getSecurityContext() != null && request.getSecurityContext().isSecure();
        request.setSecurityContext(new CallerSecurityContext(caller, secure));
        if (!caller.has(requiredScope)) {
            request.abortWith(ProblemResponses.of(AuthProblems.FORBIDDEN,
                    "This operation needs the scope " + requiredScope + "; the key has "
                            + new java.util.TreeSet<>(caller.scopes()), request.getUriInfo()));
            return;
        }
        request.setProperty(API_KEY_PROPERTY, key.get());
    }

    private void unauthenticated(ContainerRequestContext request, String challenge, String detail) {
        Response problem = ProblemResponses.of(AuthProblems.UNAUTHENTICATED, detail, request.getUriInfo());
        request.abortWith(Response.fromResponse(problem).header(HttpHeaders.WWW_AUTHENTICATE, challenge).build());
    }

    private static Optional<String> bearerToken(String header) {
        String trimmed = header.trim();
        if (trimmed.length() <= BEARER.length() || !trimmed.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || !Character.isWhitespace(trimmed.charAt(BEARER.length()))) {
            return Optional.empty();
        }
        return Optional.of(trimmed.substring(BEARER.length()).trim());
    }
}
