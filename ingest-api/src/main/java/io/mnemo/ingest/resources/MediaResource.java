package io.mnemo.ingest.resources;

import io.mnemo.ingest.api.MediaAccepted;
import io.mnemo.ingest.core.InvalidInput;
import io.mnemo.ingest.core.MediaIngest;
import io.mnemo.ingest.core.StageMedia;
import io.mnemo.ingest.core.TenantId;
import io.mnemo.ingest.core.UserId;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.kit.http.OpenApiDocs;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
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
@Tag(name = "media", description = "Uploads of media (images, audio, video, PDF, text) that memories then reference "
        + "by id. Needs the media:write scope.")
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
    @Operation(operationId = "uploadMedia", summary = "Upload a media file",
            description = "The request body is the file itself; its Content-Type is a hint, the type is sniffed "
                    + "from the bytes. Answers once the upload is stored and its event durable, with the id to "
                    + "list in a memory's `mediaIds`.",
            responses = {
                    @ApiResponse(responseCode = "201", description = "Stored; the event is durable in the log",
                            headers = @Header(name = HttpHeaders.LOCATION, description = "The media's path.",
                                    schema = @Schema(type = "string")),
                            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(implementation = MediaAccepted.class))),
                    @ApiResponse(responseCode = "401", ref = IngestApiDocs.UNAUTHENTICATED),
                    @ApiResponse(responseCode = "403", ref = IngestApiDocs.FORBIDDEN),
                    @ApiResponse(responseCode = "413", ref = IngestApiDocs.PAYLOAD_TOO_LARGE),
                    @ApiResponse(responseCode = "415", ref = IngestApiDocs.UNSUPPORTED_MEDIA_TYPE),
                    @ApiResponse(responseCode = "422", ref = IngestApiDocs.VALIDATION_FAILED),
                    @ApiResponse(responseCode = "410", ref = IngestApiDocs.USER_ERASED),
                    @ApiResponse(responseCode = "429", ref = IngestApiDocs.UPLOAD_LIMITED),
                    @ApiResponse(responseCode = "500", ref = OpenApiDocs.INTERNAL_ERROR),
                    @ApiResponse(responseCode = "503", ref = IngestApiDocs.UNAVAILABLE)})
    @RequestBody(required = true, description = "The file's bytes.", content = {
            @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM, schema = @Schema(type = "string",
                    format = "binary")),
            @Content(mediaType = "image/*", schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = "audio/*", schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = "video/*", schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = "application/pdf", schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = MediaType.TEXT_PLAIN, schema = @Schema(type = "string", format = "binary"))})
    public Response stage(@Context SecurityContext security,
                          @Parameter(description = IngestApiDocs.USER_ID) @PathParam("userId") String userId,
                          @Parameter(description = IngestApiDocs.IDEMPOTENCY_KEY,
                                  schema = @Schema(type = "string", pattern = IngestApiDocs.IDEMPOTENCY_KEY_PATTERN))
                          @HeaderParam("Idempotency-Key") String idempotencyKey,
                          @Parameter(description = IngestApiDocs.TRACEPARENT)
                          @HeaderParam(Requests.TRACEPARENT) String traceparent,
                          // the body's own headers, not parameters a client sets
                          @Parameter(hidden = true) @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                          @Parameter(hidden = true) @HeaderParam(HttpHeaders.CONTENT_LENGTH) String contentLength,
                          @Parameter(hidden = true) InputStream body) {
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
