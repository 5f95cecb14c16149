package io.mnemo.ingest.core;

import java.util.List;

/** Port: confirms that every referenced media id was staged by the same tenant and user. */
@FunctionalInterface
public interface MediaReferenceCheck {
    /** Throws {@link InvalidInput} for a media id that is unknown or not the user's own. */
    void requireOwned(TenantId tenant, UserId user, List<String> mediaIds);

    /** For deployments and tests without media: any reference is refused. */
    MediaReferenceCheck NO_MEDIA = (tenant, user, mediaIds) -> {
        if (!mediaIds.isEmpty()) {
            throw new InvalidInput("mediaIds", "media uploads are not configured");
        }
    };
}
