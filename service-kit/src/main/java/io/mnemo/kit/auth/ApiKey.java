package io.mnemo.kit.auth;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An API key as stored: who it belongs to, what it may do, its own rate limit (or none, meaning the service
 * default) and the hash of its secret; never the secret itself.
 */
public record ApiKey(String keyId, String tenantId, String name, String secretHash, Set<String> scopes,
                     Integer ratePerSecond, Integer burst, Instant createdAt, Instant revokedAt) {
    public ApiKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(secretHash, "secretHash");
        scopes = Set.copyOf(scopes);
    }

    public boolean isActive() {
        return revokedAt == null;
    }

    public Optional<Integer> ratePerSecondOverride() {
        return Optional.ofNullable(ratePerSecond);
    }

    public Optional<Integer> burstOverride() {
        return Optional.ofNullable(burst);
    }

    /** The principal of a request authenticated with this key. */
    public Caller caller() {
        return new Caller(keyId, tenantId, scopes);
    }

    /** Never the hash: keys end up in logs. */
    @Override
    public String toString() {
        return "ApiKey[" + keyId + ", tenant=" + tenantId + ", name=" + name + ", scopes=" + scopes
                + (revokedAt == null ? "" : ", revoked " + revokedAt) + "]";
    }
}
