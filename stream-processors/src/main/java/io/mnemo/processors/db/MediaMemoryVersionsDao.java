package io.mnemo.processors.db;

import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/**
 * {@code media_memory_versions} (V7): the last version of each memory the media projection applied, deletions
 * included, kept as a tombstone against redelivered and replayed older changes.
 */
public interface MediaMemoryVersionsDao {
    /**
     * Records the version unless an equal or newer one was applied. Empty when it was (nothing to do); else
     * {@code true} when the memory had no version yet (so no references either). {@code xmax = 0} tells an inserted
     * row from an updated one.
     */
    @SqlQuery("""
            INSERT INTO media_memory_versions (tenant_id, user_id, memory_id, version)
            VALUES (:tenantId, :userId, :memoryId, :version)
            ON CONFLICT (tenant_id, user_id, memory_id) DO UPDATE SET version = EXCLUDED.version
            WHERE media_memory_versions.version < EXCLUDED.version
            RETURNING (xmax = 0) AS first
            """)
    Optional<Boolean> claim(@Bind("tenantId") String tenantId, @Bind("userId") String userId,
                            @Bind("memoryId") UUID memoryId, @Bind("version") long version);
}
