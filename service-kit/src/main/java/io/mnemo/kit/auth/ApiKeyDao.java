package io.mnemo.kit.auth;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.QueryTimeOut;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The statements of {@code api_keys} (migration V3); {@link ApiKeyStore} holds the rules around them. */
@RegisterRowMapper(ApiKeyDao.ApiKeyMapper.class)
public interface ApiKeyDao {
    String COLUMNS = "key_id, tenant_id, name, secret_hash, scopes, rate_per_second, burst, created_at, revoked_at";

    /** The new key, or empty when its id is taken already. */
    @SqlQuery("INSERT INTO api_keys (key_id, tenant_id, name, secret_hash, scopes, rate_per_second, burst) "
            + "VALUES (:keyId, :tenantId, :name, :hash, :scopes, :rate, :burst) "
            + "ON CONFLICT (key_id) DO NOTHING RETURNING " + COLUMNS)
    Optional<ApiKey> insert(@Bind("keyId") String keyId, @Bind("tenantId") String tenantId, @Bind("name") String name,
                            @Bind("hash") String secretHash, @Bind("scopes") String[] scopes,
                            @Bind("rate") Integer ratePerSecond, @Bind("burst") Integer burst);

    @SqlQuery("SELECT " + COLUMNS + " FROM api_keys ORDER BY created_at, key_id")
    List<ApiKey> all();

    @SqlQuery("SELECT " + COLUMNS + " FROM api_keys WHERE tenant_id = :tenantId ORDER BY created_at, key_id")
    List<ApiKey> ofTenant(@Bind("tenantId") String tenantId);

    @SqlQuery("SELECT " + COLUMNS + " FROM api_keys WHERE revoked_at IS NULL")
    @QueryTimeOut(10)
    List<ApiKey> active();

    @SqlQuery("SELECT " + COLUMNS + " FROM api_keys WHERE key_id = :keyId")
    @QueryTimeOut(2)
    Optional<ApiKey> find(@Bind("keyId") String keyId);

    /** Rows revoked: 0 when there is no such key or it was revoked already. */
    @SqlUpdate("UPDATE api_keys SET revoked_at = now() WHERE key_id = :keyId AND revoked_at IS NULL")
    int revoke(@Bind("keyId") String keyId);

    @SqlUpdate("UPDATE api_keys SET revoked_at = now() "
            + "WHERE tenant_id = :tenantId AND name = :name AND revoked_at IS NULL")
    int revokeNamed(@Bind("tenantId") String tenantId, @Bind("name") String name);

    /** A row of {@link #COLUMNS} as an {@link ApiKey}. */
    final class ApiKeyMapper implements RowMapper<ApiKey> {
        @Override
        public ApiKey map(ResultSet rs, StatementContext ctx) throws SQLException {
            Array scopes = rs.getArray("scopes");
            Timestamp revoked = rs.getTimestamp("revoked_at");
            return new ApiKey(rs.getString("key_id"), rs.getString("tenant_id"), rs.getString("name"),
                    rs.getString("secret_hash"), Set.copyOf(Arrays.asList((String[]) scopes.getArray())),
                    (Integer) rs.getObject("rate_per_second"), (Integer) rs.getObject("burst"),
                    rs.getTimestamp("created_at").toInstant(), revoked == null ? null : revoked.toInstant());
        }
    }
}
