package io.mnemo.query.resources;

import io.mnemo.kit.auth.Caller;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.query.api.MediaLinkResponse;
import io.mnemo.query.core.LogPosition;
import io.mnemo.query.core.MemoryQueries;
import io.mnemo.query.core.Read;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

/** Short-lived download links for the media of a user's live memories; only the owner's media are found. */
@Path("/v1/users/{userId}/media/{mediaId}")
@Produces(MediaType.APPLICATION_JSON)
public final class MediaQueryResource {
    private final MemoryQueries queries;

    public MediaQueryResource(MemoryQueries queries) {
        this.queries = queries;
    }

    @GET
    @RequiresScope(Scopes.MEMORIES_READ)
    public Response link(@Context SecurityContext security, @PathParam("userId") String userId,
                         @PathParam("mediaId") String mediaId, @HeaderParam(LogPosition.HEADER) String position) {
        Read<MemoryQueries.MediaDownload> read = queries.media(Caller.of(security).tenantId(), userId, mediaId,
                ReadHeaders.requested(position));
        var download = read.value();
        CacheControl noStore = new CacheControl();
        noStore.setNoStore(true);
        return ReadHeaders.ok(read, new MediaLinkResponse(mediaId, download.link().url(),
                        download.link().expiresAt(), download.media().contentType(), download.media().size(),
                        download.media().sha256()))
                .cacheControl(noStore).build();
    }
}
