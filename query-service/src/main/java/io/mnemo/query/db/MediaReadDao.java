package io.mnemo.query.db;

import io.mnemo.query.core.MediaObject;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/** The query service's reads of {@code memory_media} and the {@code media} rows its references point to. */
@RegisterConstructorMapper(MediaObject.class)
public interface MediaReadDao {
    /** The object a user's media id refers to, if a memory of the user references it. */
    @SqlQuery("""
            SELECT r.media_id, r.sha256, o.content_type, o.size, o.object_key
            FROM memory_media r JOIN media o ON o.tenant_id = r.tenant_id AND o.sha256 = r.sha256
            WHERE r.tenant_id = :tenantId AND r.user_id = :userId AND r.media_id = :mediaId
            LIMIT 1
            """)
    Optional<MediaObject> find(@Bind("tenantId") String tenantId, @Bind("userId") String userId,
                               @Bind("mediaId") String mediaId);
}
