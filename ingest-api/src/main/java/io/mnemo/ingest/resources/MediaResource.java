package io.mnemo.ingest.resources;

import io.mnemo.ingest.api.MediaAccepted;
import io.mnemo.ingest.core.InvalidInput;
import io.mnemo.ingest.core.MediaIngest;
import io.mnemo.ingest.core.StageMedia;
import io.mnemo.ingest.core.TenantId;
import io.mnemo.ingest.core.UserId;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriBuilder;
import java.io.InputStream;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Producers' media uploads: the raw request body (any type; the declared one is a hint) is streamed to the media
 * store and answered {@code 201} once its {@code MediaStaged} event is durable.
 */
@Path("/v1/users/{userId}/media")
@Produces(MediaType.APPLICATION_JSON)
public final class MediaResource {
    private final MediaIngest media;
    private final IngestMetrics metrics;

    public MediaResource(MediaIngest media, IngestMetrics metrics) {
        this.media = media;
        this.metrics = metrics;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @RequiresScope(Scopes.MEDIA_WRITE)
    public Response stage(@Context SecurityContext security, @PathParam("userId") String userId,
                          @HeaderParam("Idempotency-Key") String idempotencyKey,
                          @HeaderParam(Requests.TRACEPARENT) String traceparent,
                          @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                          @HeaderParam(HttpHeaders.CONTENT_LENGTH) String contentLength,
                          InputStream body) {
        TenantId tenant = Requests.tenant(security);
        UserId user = new UserId(userId);
        StageMedia command = new StageMedia(tenant, user, Optional.ofNullable(contentType),
                length(contentLength), Requests.key(idempotencyKey), body);
        MediaIngest.Staged staged = media.stage(command, Requests.provenance(traceparent));
        metrics.accepted(tenant, "MediaStaged", 1);
        return Response.created(UriBuilder.fromPath("/v1/users/{userId}/media/{mediaId}")
                        .build(user.value(), staged.mediaId().value()))
                .entity(new MediaAccepted(staged.mediaId().value(), staged.sha256(), staged.size(),
                        staged.contentType()))
                .build();
    }

    private static OptionalLong length(String header) {
        if (header == null || header.isBlank()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(header.trim()));
        } catch (NumberFormatException e) {
            throw new InvalidInput("Content-Length", "must be a number of bytes");
        }
    }
}
