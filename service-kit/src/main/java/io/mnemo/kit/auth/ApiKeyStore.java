package io.mnemo.kit.auth;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** API keys in Postgres ({@code api_keys}, migration V3): create, list, revoke, and the reads of the services. */
public final class ApiKeyStore implements ApiKeySource {
    /** Same rule as the services' tenant ids, so a key can never carry a tenant the services would refuse. */
    private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final int MAX_NAME = 100;
    private static final String COLUMNS =
            "key_id, tenant_id, name, secret_hash, scopes, rate_per_second, burst, created_at, revoked_at";

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
            Optional<ApiKey> created = jdbi.withHandle(handle -> handle.createQuery(
                            "INSERT INTO api_keys (key_id, tenant_id, name, secret_hash, scopes, rate_per_second, "
                                    + "burst) VALUES (:keyId, :tenantId, :name, :hash, :scopes, :rate, :burst) "
                                    + "ON CONFLICT (key_id) DO NOTHING RETURNING " + COLUMNS)
                    .bind("keyId", token.keyId())
                    .bind("tenantId", tenantId)
                    .bind("name", name)
                    .bind("hash", token.secretHash())
                    .bindArray("scopes", String.class, new TreeSet<>(scopes))
                    .bind("rate", ratePerSecond)
                    .bind("burst", burst)
                    .map(ApiKeyStore::map)
                    .findOne());
            if (created.isPresent()) {
                return new CreatedApiKey(created.get(), token.plaintext());
            }
        }
        throw new IllegalStateException("could not allocate a unique key id");
    }

    /** Every key (revoked ones too, for the audit trail), optionally of one tenant, oldest first. */
    public List<ApiKey> list(Optional<String> tenantId) {
        return jdbi.withHandle(handle -> {
            var query = handle.createQuery("SELECT " + COLUMNS + " FROM api_keys"
                    + (tenantId.isPresent() ? " WHERE tenant_id = :tenantId" : "") + " ORDER BY created_at, key_id");
            tenantId.ifPresent(tenant -> query.bind("tenantId", tenant));
            return query.map(ApiKeyStore::map).list();
        });
    }

    /** Revokes a key; false when there is no such key or it was already revoked. */
    public boolean revoke(String keyId) {
        return jdbi.withHandle(handle -> handle.createUpdate(
                        "UPDATE api_keys SET revoked_at = now() WHERE key_id = :keyId AND revoked_at IS NULL")
                .bind("keyId", keyId)
                .execute()) == 1;
    }

    /** Revokes every active key of a tenant with this name; returns how many. */
    public int revokeNamed(String tenantId, String name) {
        return jdbi.withHandle(handle -> handle.createUpdate("UPDATE api_keys SET revoked_at = now() "
                        + "WHERE tenant_id = :tenantId AND name = :name AND revoked_at IS NULL")
                .bind("tenantId", tenantId)
                .bind("name", name)
                .execute());
    }

    @Override
    public List<ApiKey> loadAllActive() {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT " + COLUMNS + " FROM api_keys WHERE revoked_at IS NULL")
                .setQueryTimeout(10)
                .map(ApiKeyStore::map)
                .list());
    }

    @Override
    public Optional<ApiKey> find(String keyId) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT " + COLUMNS + " FROM api_keys WHERE key_id = :keyId")
                .setQueryTimeout(2)
                .bind("keyId", keyId)
                .map(ApiKeyStore::map)
                .findOne());
    }

    private static ApiKey map(ResultSet rs, StatementContext ctx) throws SQLException {
        Array scopes = rs.getArray("scopes");
        Timestamp revoked = rs.getTimestamp("revoked_at");
        return new ApiKey(rs.getString("key_id"), rs.getString("tenant_id"), rs.getString("name"),
                rs.getString("secret_hash"), Set.copyOf(Arrays.asList((String[]) scopes.getArray())),
                (Integer) rs.getObject("rate_per_second"), (Integer) rs.getObject("burst"),
                rs.getTimestamp("created_at").toInstant(), revoked == null ? null : revoked.toInstant());
    }
}
