package io.mnemo.kit.auth;

import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;
import java.util.Objects;
import java.util.Set;

/**
 * Who is calling: the API key that authenticated the request, the tenant it is bound to and its scopes.
 * The tenant of every command and query comes from here, never from a request body.
 */
public record Caller(String keyId, String tenantId, Set<String> scopes) implements Principal {
    public Caller {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(tenantId, "tenantId");
        scopes = Set.copyOf(scopes);
    }

    @Override
    public String getName() {
        return keyId;
    }

    public boolean has(String scope) {
        return scopes.contains(scope);
    }

    /** The caller of an authenticated request (resources behind {@link RequiresScope} always have one). */
    public static Caller of(SecurityContext security) {
        if (security == null || !(security.getUserPrincipal() instanceof Caller caller)) {
            throw new IllegalStateException("request was not authenticated by an API key");
        }
        return caller;
    }
}
