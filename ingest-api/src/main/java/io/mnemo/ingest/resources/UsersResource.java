package io.mnemo.ingest.resources;

import io.mnemo.ingest.api.UserEraseAccepted;
import io.mnemo.ingest.core.EraseUser;
import io.mnemo.ingest.core.LogPosition;
import io.mnemo.ingest.core.MemoryIngest;
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
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

/** Erasure of everything a user has (memories, media, aggregates), as an event processed downstream. */
@Path("/v1/users/{userId}")
@Produces(MediaType.APPLICATION_JSON)
@RequiresScope(Scopes.USERS_ERASE)
@Tag(name = "users", description = "Erasure of everything a user has. Needs the users:erase scope.")
public final class UsersResource {
    private final MemoryIngest ingest;
    private final IngestMetrics metrics;

    public UsersResource(MemoryIngest ingest, IngestMetrics metrics) {
        this.ingest = ingest;
        this.metrics = metrics;
    }

    @DELETE
    @Operation(operationId = "eraseUser", summary = "Erase a user",
            description = "Records the erasure of the user's memories, media and aggregates; the projections and "
                    + "the media store delete them downstream.",
            responses = {
                    @ApiResponse(responseCode = "202", description = "The erasure is durable in the log",
                            headers = @Header(name = Requests.POSITION, description = IngestApiDocs.POSITION,
                                    schema = @Schema(type = "string")),
                            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(implementation = UserEraseAccepted.class))),
                    @ApiResponse(responseCode = "401", ref = IngestApiDocs.UNAUTHENTICATED),
                    @ApiResponse(responseCode = "403", ref = IngestApiDocs.FORBIDDEN),
                    @ApiResponse(responseCode = "422", ref = IngestApiDocs.VALIDATION_FAILED),
                    @ApiResponse(responseCode = "429", ref = IngestApiDocs.RATE_LIMITED),
                    @ApiResponse(responseCode = "500", ref = OpenApiDocs.INTERNAL_ERROR),
                    @ApiResponse(responseCode = "503", ref = IngestApiDocs.UNAVAILABLE)})
    public Response erase(@Context SecurityContext security,
                          @Parameter(description = IngestApiDocs.USER_ID) @PathParam("userId") String userId,
                          @Parameter(description = IngestApiDocs.IDEMPOTENCY_KEY,
                                  schema = @Schema(type = "string", pattern = IngestApiDocs.IDEMPOTENCY_KEY_PATTERN))
                          @HeaderParam("Idempotency-Key") String idempotencyKey,
                          @Parameter(description = IngestApiDocs.TRACEPARENT)
                          @HeaderParam(Requests.TRACEPARENT) String traceparent) {
        TenantId tenant = Requests.tenant(security);
        LogPosition position = ingest.erase(new EraseUser(tenant, new UserId(userId), Requests.key(idempotencyKey)),
                Requests.provenance(traceparent));
        metrics.accepted(tenant, "UserErased", 1);
        return Response.accepted(new UserEraseAccepted(userId, position.toString()))
                .header(Requests.POSITION, position.toString()).build();
    }
}
