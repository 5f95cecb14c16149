package io.mnemo.query.resources;

import io.mnemo.kit.auth.Caller;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.kit.http.OpenApiDocs;
import io.mnemo.query.api.MediaLinkResponse;
import io.mnemo.query.core.LogPosition;
import io.mnemo.query.core.MemoryQueries;
import io.mnemo.query.core.Read;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
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
@Tag(name = "media", description = "Download links for the media of a user's live memories: short-lived signed URLs, "
        + "so the bytes never pass through this service. Needs the memories:read scope.")
public final class MediaQueryResource {
    private final MemoryQueries queries;

    public MediaQueryResource(MemoryQueries queries) {
        this.queries = queries;
    }

    @GET
    @RequiresScope(Scopes.MEMORIES_READ)
    @Operation(operationId = "getMediaLink", summary = "Get a download link for a user's media",
            description = "A signed URL valid until `expiresAt`, needing no credentials; the answer itself must not "
                    + "be cached. Media only an erased or another user's memory references are 404.",
            responses = {
                    @ApiResponse(responseCode = "200", description = "The link and what it points at",
                            headers = {
                                    @Header(name = LogPosition.HEADER, description = QueryApiDocs.POSITION_ANSWERED,
                                            schema = @Schema(type = "string")),
                                    @Header(name = ReadHeaders.READ_SOURCE, description = QueryApiDocs.READ_SOURCE,
                                            schema = @Schema(type = "string"))},
                            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(implementation = MediaLinkResponse.class))),
                    @ApiResponse(responseCode = "400", ref = QueryApiDocs.INVALID_PARAMETER),
                    @ApiResponse(responseCode = "401", ref = QueryApiDocs.UNAUTHENTICATED),
                    @ApiResponse(responseCode = "403", ref = QueryApiDocs.FORBIDDEN),
                    @ApiResponse(responseCode = "404", ref = QueryApiDocs.NOT_FOUND),
                    @ApiResponse(responseCode = "429", ref = QueryApiDocs.RATE_LIMITED),
                    @ApiResponse(responseCode = "500", ref = OpenApiDocs.INTERNAL_ERROR),
                    @ApiResponse(responseCode = "503", ref = QueryApiDocs.UNAVAILABLE)})
    public Response link(@Context SecurityContext security,
                         @Parameter(description = QueryApiDocs.USER_ID) @PathParam("userId") String userId,
                         @Parameter(description = "The media id the memory references, as given at ingest.")
                         @PathParam("mediaId") String mediaId,
                         @Parameter(description = QueryApiDocs.POSITION_REQUESTED, schema = @Schema(type = "string",
                                 pattern = QueryApiDocs.POSITION_PATTERN, example = QueryApiDocs.POSITION_EXAMPLE))
                         @HeaderParam(LogPosition.HEADER) String position) {
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
