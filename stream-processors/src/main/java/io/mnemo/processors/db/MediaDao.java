package io.mnemo.processors.db;

import java.util.Optional;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * {@code media} (V7): one row per content-addressed object {@code media/{tenant}/{sha256}}. A hash's row is the
 * tenant-wide lock every media sink takes ({@link #lock}) before adding or dropping a reference to the hash.
 */
public interface MediaDao {
    /** The hash's row, unless it exists. */
    @SqlUpdate("""
            INSERT INTO media (tenant_id, sha256, size, content_type, object_key)
            VALUES (:tenantId, :sha256, :size, :contentType, :objectKey)
            ON CONFLICT (tenant_id, sha256) DO NOTHING
            """)
    void insert(@Bind("tenantId") String tenantId, @Bind("sha256") String sha256, @Bind("size") long size,
                @Bind("contentType") String contentType, @Bind("objectKey") String objectKey);

    /** Locks the hash's row until the transaction ends; empty when there is none. */
    @SqlQuery("SELECT true FROM media WHERE tenant_id = :tenantId AND sha256 = :sha256 FOR UPDATE")
    Optional<Boolean> lock(@Bind("tenantId") String tenantId, @Bind("sha256") String sha256);

    /** Deletes the hash's row only while no memory of the tenant references it (the foreign key would refuse). */
    @SqlUpdate("""
            DELETE FROM media m WHERE m.tenant_id = :tenantId AND m.sha256 = :sha256
            AND NOT EXISTS (SELECT 1 FROM memory_media r WHERE r.tenant_id = m.tenant_id AND r.sha256 = m.sha256)
            """)
    void deleteIfUnreferenced(@Bind("tenantId") String tenantId, @Bind("sha256") String sha256);
}
