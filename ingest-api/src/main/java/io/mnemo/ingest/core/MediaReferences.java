package io.mnemo.ingest.core;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Checks that a memory references only media staged by the same tenant and user: the staging key names both, so a
 * media id of another user or tenant is simply not found under this user's prefix.
 */
public final class MediaReferences implements MediaReferenceCheck {
    private final MediaStore store;
    private final Duration retryAfter;

    public MediaReferences(MediaStore store, Duration retryAfter) {
        this.store = Objects.requireNonNull(store, "store");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /**
     * @throws InvalidInput      ({@code mediaIds}) for a malformed id, or one not staged by this tenant's user
     * @throws IngestUnavailable when the media store cannot answer now (nothing is accepted then)
     */
    @Override
    public void requireOwned(TenantId tenant, UserId user, List<String> mediaIds) {
        // parse all first: a malformed id is refused without any lookup
        Set<MediaId> ids = new LinkedHashSet<>();
        for (String id : mediaIds) {
            ids.add(new MediaId(id));
        }
        for (MediaId id : ids) {
            boolean owned;
            try {
                owned = store.exists(tenant, user, id);
            } catch (MediaStore.MediaStoreFailure e) {
                throw new IngestUnavailable("The media store cannot confirm the referenced media now", retryAfter, e);
            }
            if (!owned) {
                throw new InvalidInput("mediaIds", "'" + id + "' is not media staged by this user");
            }
        }
    }
}
