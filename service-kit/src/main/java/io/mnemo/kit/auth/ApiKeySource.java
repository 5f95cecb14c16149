package io.mnemo.kit.auth;

import java.util.List;
import java.util.Optional;

/** Where the services read keys from: Postgres in production ({@link ApiKeyStore}), a fake in unit tests. */
public interface ApiKeySource {
    /** Every key that is not revoked. */
    List<ApiKey> loadAllActive();

    /** One key by id, revoked or not; empty when no such key exists. */
    Optional<ApiKey> find(String keyId);
}
