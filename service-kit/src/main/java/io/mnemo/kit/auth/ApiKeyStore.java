package io.mnemo.kit.auth;

import io.mnemo.kit.db.Daos;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * API keys in Postgres ({@code api_keys}, migration V3): create, list, revoke, and the reads of the services. The
 * rules live here, the statements in {@link ApiKeyDao}.
 */
public final class ApiKeyStore implements ApiKeySource {
    /** Same rule as the services' tenant ids, so a key can never carry a tenant the services would refuse. */
    private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final int MAX_NAME = 100;

    private final Jdbi jdbi;

    public ApiKeyStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Creates a key and returns its plaintext, the only time it exists outside the client.
     *
     * @param ratePerSecond the key's own sustained rate, or null for the service default
     * @param burst         the key's own burst, or null for the service default
     */
    public CreatedApiKey create(String tenantId, String name, Set<String> scopes, Integer ratePerSecond,
                                Integer burst) {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scopes, "scopes");
        if (!TENANT.matcher(tenantId).matches()) {
            throw new IllegalArgumentException("tenant must match " + TENANT.pattern());
        }
        if (name.isBlank() || name.length() > MAX_NAME) {
            throw new IllegalArgumentException("name must be 1-" + MAX_NAME + " characters");
        }
        if (scopes.isEmpty() || !Scopes.ALL.containsAll(scopes)) {
            throw new IllegalArgumentException("scopes must be a non-empty subset of " + new TreeSet<>(Scopes.ALL)
                    + ", got " + scopes);
        }
        if ((ratePerSecond != null && ratePerSecond < 1) || (burst != null && burst < 1)) {
            throw new IllegalArgumentException("rate and burst must be at least 1");
        }
        // 60 random bits of key id: a collision is practically impossible, but retrying costs nothing.
        for (int attempt = 0; attempt < 3; attempt++) {
            ApiKeyToken token = ApiKeyToken.generate();
            Optional<ApiKey> created = withDao(dao -> dao.insert(token.keyId(), tenantId, name, token.secretHash(),
                    new TreeSet<>(scopes).toArray(String[]::new), ratePerSecond, burst));
            if (created.isPresent()) {
                return new CreatedApiKey(created.get(), token.plaintext());
            }
        }
        throw new IllegalStateException("could not allocate a unique key id");
    }

    /** Every key (revoked ones too, for the audit trail), optionally of one tenant, oldest first. */
    public List<ApiKey> list(Optional<String> tenantId) {
        return withDao(dao -> tenantId.map(dao::ofTenant).orElseGet(dao::all));
    }

    /** Revokes a key; false when there is no such key or it was already revoked. */
    public boolean revoke(String keyId) {
        return withDao(dao -> dao.revoke(keyId)) == 1;
    }

    /** Revokes every active key of a tenant with this name; returns how many. */
    public int revokeNamed(String tenantId, String name) {
        return withDao(dao -> dao.revokeNamed(tenantId, name));
    }

    @Override
    public List<ApiKey> loadAllActive() {
        return withDao(ApiKeyDao::active);
    }

    @Override
    public Optional<ApiKey> find(String keyId) {
        return withDao(dao -> dao.find(keyId));
    }

    private <T> T withDao(Function<ApiKeyDao, T> call) {
        return jdbi.withHandle(handle -> call.apply(Daos.attach(handle, ApiKeyDao.class)));
    }
}
