package io.mnemo.processors.db;

import java.util.List;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * {@code memory_media} (V7): which media (by the id it was uploaded under, and the hash of its bytes) each live
 * memory references.
 */
@RegisterConstructorMapper(MemoryMediaDao.Reference.class)
public interface MemoryMediaDao {
    /** A memory's reference to a media id, and the hash of its bytes. */
    record Reference(String mediaId, String sha256) {
    }

    @SqlQuery("""
            SELECT media_id, sha256 FROM memory_media
            WHERE tenant_id = :tenantId AND user_id = :userId AND memory_id = :memoryId
            """)
    List<Reference> ofMemory(@Bind("tenantId") String tenantId, @Bind("userId") String userId,
                             @Bind("memoryId") UUID memoryId);

    /** A memory that references media. */
    record Referencing(String tenantId, String userId, UUID memoryId) {
    }

    /** Of the given memories (parallel arrays), those that reference any media: one statement for a whole batch. */
    @SqlQuery("""
            SELECT DISTINCT m.tenant_id, m.user_id, m.memory_id
            FROM memory_media m
            JOIN unnest(:tenants, :users, :ids) AS k(tenant_id, user_id, memory_id)
              ON m.tenant_id = k.tenant_id AND m.user_id = k.user_id AND m.memory_id = k.memory_id
            """)
    @RegisterConstructorMapper(Referencing.class)
    List<Referencing> referencing(@Bind("tenants") String[] tenants, @Bind("users") String[] users,
                                  @Bind("ids") UUID[] ids);

    @SqlUpdate("""
            INSERT INTO memory_media (tenant_id, user_id, memory_id, media_id, sha256)
            VALUES (:tenantId, :userId, :memoryId, :mediaId, :sha256)
            ON CONFLICT (tenant_id, user_id, memory_id, media_id) DO UPDATE SET sha256 = EXCLUDED.sha256
            """)
    void insert(@Bind("tenantId") String tenantId, @Bind("userId") String userId, @Bind("memoryId") UUID memoryId,
                @Bind("mediaId") String mediaId, @Bind("sha256") String sha256);

    @SqlUpdate("""
            DELETE FROM memory_media
            WHERE tenant_id = :tenantId AND user_id = :userId AND memory_id = :memoryId AND media_id = :mediaId
            """)
    void delete(@Bind("tenantId") String tenantId, @Bind("userId") String userId, @Bind("memoryId") UUID memoryId,
                @Bind("mediaId") String mediaId);

    /** Deletes every reference of the user; returns what was deleted. */
    @SqlQuery("""
            DELETE FROM memory_media WHERE tenant_id = :tenantId AND user_id = :userId
            RETURNING media_id, sha256
            """)
    List<Reference> deleteOfUser(@Bind("tenantId") String tenantId, @Bind("userId") String userId);

    /** Whether any memory of the tenant references these bytes. */
    @SqlQuery("SELECT EXISTS (SELECT 1 FROM memory_media WHERE tenant_id = :tenantId AND sha256 = :sha256)")
    boolean shaReferenced(@Bind("tenantId") String tenantId, @Bind("sha256") String sha256);

    /** Whether any memory of the user references this media id. */
    @SqlQuery("""
            SELECT EXISTS (SELECT 1 FROM memory_media
                           WHERE tenant_id = :tenantId AND user_id = :userId AND media_id = :mediaId)
            """)
    boolean mediaIdReferenced(@Bind("tenantId") String tenantId, @Bind("userId") String userId,
                              @Bind("mediaId") String mediaId);
}
