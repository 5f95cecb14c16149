package io.mnemo.kit.auth;

import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;

/**
 * Binds authentication, scope check and rate limiting to every resource method that carries
 * {@link RequiresScope} (on the method, or else on its class); other endpoints are untouched.
 */
public final class ApiKeyAuthFeature implements DynamicFeature {
    private final ApiKeyCache keys;
    private final RateLimitFilter rateLimit;

    public ApiKeyAuthFeature(ApiKeyCache keys, RateLimiter limiter) {
        this.keys = keys;
        // one filter for every method: the buckets are per key, not per endpoint
        this.rateLimit = new RateLimitFilter(limiter);
    }

    @Override
    public void configure(ResourceInfo resource, FeatureContext context) {
        RequiresScope required = resource.getResourceMethod() == null ? null
                : resource.getResourceMethod().getAnnotation(RequiresScope.class);
        if (required == null && resource.getResourceClass() != null) {
            required = resource.getResourceClass().getAnnotation(RequiresScope.class);
        }
        if (required != null) {
            context.register(new ApiKeyAuthFilter(keys, required.value()));
            context.register(rateLimit);
        }
    }
}
