package io.mnemo.kit.auth;

import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;

/** The security context of a request authenticated by an API key; roles are the key's scopes. */
final class CallerSecurityContext implements SecurityContext {
    private final Caller caller;
    private final boolean secure;

    CallerSecurityContext(Caller caller, boolean secure) {
        this.caller = caller;
        this.secure = secure;
    }

    @Override
    public Principal getUserPrincipal() {
        return caller;
    }

    @Override
    public boolean isUserInRole(String role) {
        return caller.has(role);
    }

    @Override
    public boolean isSecure() {
        return secure;
    }

    @Override
    public String getAuthenticationScheme() {
        return "Bearer";
    }
}
