package io.mnemo.ingest.resources;

import io.mnemo.ingest.api.CaptureMemoryRequest;
import io.mnemo.ingest.api.MemoryAccepted;
import io.mnemo.ingest.api.PlainlyValid;
import io.mnemo.ingest.api.ReviseMemoryRequest;
import io.mnemo.ingest.core.CaptureMemory;
import io.mnemo.ingest.core.ForgetMemory;
import io.mnemo.ingest.core.InvalidInput;
import io.mnemo.ingest.core.MemoryIngest;
import io.mnemo.ingest.core.ReviseMemory;
import io.mnemo.ingest.core.TenantId;
import io.mnemo.ingest.core.UserId;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.kit.http.OpenApiDocs;
import io.mnemo.kit.http.RequestIds;
import io.dropwizard.jersey.validation.JerseyViolationException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Valid;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.Produces;
import io.mnemo.kit.auth.RequestCost;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/** Producers' write API for one user's memories: capture, revise, forget. Every answer means durable in Kafka. */
@Path("/v1/users/{userId}/memories")
@Produces(MediaType.APPLICATION_JSON)
@RequiresScope(Scopes.MEMORIES_WRITE)
@Tag(name = "memories", description = "Capture, revise and forget one user's memories. Needs the memories:write "
        + "scope. Every 202 means the event is durable in the log; its position reads the write back.")
public final class MemoriesResource {
    static final String MERGE_PATCH_JSON = "application/merge-patch+json";
    static final String ACCEPTED_EXAMPLE = "{\"memoryId\": \"" + IngestApiDocs.MEMORY_ID_EXAMPLE
            + "\", \"position\": \"" + IngestApiDocs.POSITION_EXAMPLE + "\"}";

    private final MemoryIngest ingest;
    private final IngestMetrics metrics;
    private final Executor responders;
    private final Validator validator;

    /** @param responders writes the asynchronous answers of {@link #capture} (a few threads are plenty) */
    public MemoriesResource(MemoryIngest ingest, IngestMetrics metrics, Executor responders, Validator validator) {
        this.ingest = ingest;
        this.metrics = metrics;
        this.responders = responders;
        this.validator = validator;
    }

    /**
     * Answers asynchronously: the request thread returns once the event is handed to the log, and the 202 (only
     * after the log's acknowledgement) or the 503 is written by a responder thread, never by the Kafka producer's
     * I/O thread, whose every moment delays other requests' acknowledgements.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "captureMemory", summary = "Capture a memory",
            description = "Records a new memory of the user. Answers once the event is durable in the log, with "
                    + "the memory's id and the event's position.",
            responses = {
                    @ApiResponse(responseCode = "202", description = "Durable in the log",
                            headers = @Header(name = Requests.POSITION, description = IngestApiDocs.POSITION,
                                    schema = @Schema(type = "string")),
                            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(implementation = MemoryAccepted.class),
                                    examples = @ExampleObject(name = "accepted", value = ACCEPTED_EXAMPLE))),
                    @ApiResponse(responseCode = "400", ref = IngestApiDocs.MALFORMED),
                    @ApiResponse(responseCode = "401", ref = IngestApiDocs.UNAUTHENTICATED),
                    @ApiResponse(responseCode = "403", ref = IngestApiDocs.FORBIDDEN),
                    @ApiResponse(responseCode = "408", ref = IngestApiDocs.BODY_TOO_SLOW),
                    @ApiResponse(responseCode = "413", ref = IngestApiDocs.PAYLOAD_TOO_LARGE),
                    @ApiResponse(responseCode = "415", ref = IngestApiDocs.UNSUPPORTED_MEDIA_TYPE),
                    @ApiResponse(responseCode = "422", ref = IngestApiDocs.VALIDATION_FAILED),
                    @ApiResponse(responseCode = "410", ref = IngestApiDocs.USER_ERASED),
                    @ApiResponse(responseCode = "429", ref = IngestApiDocs.RATE_LIMITED),
                    @ApiResponse(responseCode = "500", ref = OpenApiDocs.INTERNAL_ERROR),
                    @ApiResponse(responseCode = "503", ref = IngestApiDocs.UNAVAILABLE)})
    public void capture(@Context SecurityContext security,
                        @Parameter(description = IngestApiDocs.USER_ID) @PathParam("userId") String userId,
                        @Parameter(description = IngestApiDocs.IDEMPOTENCY_KEY,
                                schema = @Schema(type = "string", pattern = IngestApiDocs.IDEMPOTENCY_KEY_PATTERN))
                        @HeaderParam("Idempotency-Key") String idempotencyKey,
                        @Parameter(description = IngestApiDocs.TRACEPARENT)
                        @HeaderParam(Requests.TRACEPARENT) String traceparent,
                        @RequestBody(required = true) CaptureMemoryRequest body,
                        @Context ContainerRequestContext request,
                        @Suspended AsyncResponse response) {
        String requestId = RequestIds.current();
        TenantId tenant;
        CompletableFuture<MemoryIngest.Accepted> outcome;
        try {
            validate(body);
            RequestCost.of(request).charge(RequestCosts.capture(body.mediaIdsOrEmpty().size()));
            tenant = Requests.tenant(security);
            CaptureMemory command = new CaptureMemory(tenant, new UserId(userId), body.occurredAt(), body.content(),
                    body.tagsOrEmpty(), body.attributesOrEmpty(), body.mediaIdsOrEmpty(),
                    Requests.key(idempotencyKey));
            outcome = ingest.capture(command, Requests.provenance(traceparent));
        } catch (RuntimeException e) {
            response.resume(e); // invalid input or overloaded: mapped to problem+json like any thrown exception
            return;
        }
        outcome.whenCompleteAsync((accepted, error) -> RequestIds.within(requestId, () -> {
            if (error != null) {
                response.resume(error instanceof CompletionException && error.getCause() != null ? error.getCause()
                        : error);
                return;
            }
            metrics.accepted(tenant, "MemoryCaptured", 1);
            response.resume(accepted(accepted));
        }), responders);
    }

    /**
     * The body's Bean Validation constraints, checked by hand on the (usual) plainly valid body and by the
     * validator otherwise, which then words the 422 exactly as Jersey's {@code @Valid} did.
     */
    private void validate(CaptureMemoryRequest body) {
        if (body == null) {
            throw new InvalidInput("body", "a JSON body is required");
        }
        if (!PlainlyValid.capture(body)) {
            Set<ConstraintViolation<CaptureMemoryRequest>> violations = validator.validate(body);
            if (!violations.isEmpty()) {
                throw new JerseyViolationException(violations, null);
            }
        }
    }

    private static Response accepted(MemoryIngest.Accepted accepted) {
        String position = accepted.position().toString();
        return Response.accepted(new MemoryAccepted(accepted.memoryId().toString(), position))
                .header(Requests.POSITION, position).build();
    }

    @PATCH
    @Path("/{memoryId}")
    @Consumes({MediaType.APPLICATION_JSON, MERGE_PATCH_JSON})
    @Operation(operationId = "reviseMemory", summary = "Revise a memory",
            description = "Changes the fields given (JSON merge patch: absent fields keep their value). Accepted "
                    + "without checking that the memory exists: a revision of an unknown or forgotten memory is "
                    + "recorded in the log and dead-lettered downstream.",
            responses = {
                    @ApiResponse(responseCode = "202", description = "Durable in the log",
                            headers = @Header(name = Requests.POSITION, description = IngestApiDocs.POSITION,
                                    schema = @Schema(type = "string")),
                            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(implementation = MemoryAccepted.class),
                                    examples = @ExampleObject(name = "accepted", value = ACCEPTED_EXAMPLE))),
                    @ApiResponse(responseCode = "400", ref = IngestApiDocs.MALFORMED),
                    @ApiResponse(responseCode = "401", ref = IngestApiDocs.UNAUTHENTICATED),
                    @ApiResponse(responseCode = "403", ref = IngestApiDocs.FORBIDDEN),
                    @ApiResponse(responseCode = "408", ref = IngestApiDocs.BODY_TOO_SLOW),
                    @ApiResponse(responseCode = "413", ref = IngestApiDocs.PAYLOAD_TOO_LARGE),
                    @ApiResponse(responseCode = "415", ref = IngestApiDocs.UNSUPPORTED_MEDIA_TYPE),
                    @ApiResponse(responseCode = "422", ref = IngestApiDocs.VALIDATION_FAILED),
                    @ApiResponse(responseCode = "410", ref = IngestApiDocs.USER_ERASED),
                    @ApiResponse(responseCode = "429", ref = IngestApiDocs.RATE_LIMITED),
                    @ApiResponse(responseCode = "500", ref = OpenApiDocs.INTERNAL_ERROR),
                    @ApiResponse(responseCode = "503", ref = IngestApiDocs.UNAVAILABLE)})
    public Response revise(@Context SecurityContext security,
                           @Parameter(description = IngestApiDocs.USER_ID) @PathParam("userId") String userId,
                           @Parameter(description = IngestApiDocs.MEMORY_ID,
                                   schema = @Schema(type = "string", format = "uuid"))
                           @PathParam("memoryId") String memoryId,
                           @Parameter(description = IngestApiDocs.IDEMPOTENCY_KEY,
                                   schema = @Schema(type = "string", pattern = IngestApiDocs.IDEMPOTENCY_KEY_PATTERN))
                           @HeaderParam("Idempotency-Key") String idempotencyKey,
                           @Parameter(description = IngestApiDocs.TRACEPARENT)
                        @HeaderParam(Requests.TRACEPARENT) String traceparent,
                           @RequestBody(required = true) @NotNull(message = "a JSON body is required") @Valid
                           ReviseMemoryRequest body,
                           @Context ContainerRequestContext request) {
        RequestCost.of(request).charge(RequestCosts.capture(body.mediaIds() == null ? 0 : body.mediaIds().size()));
        TenantId tenant = Requests.tenant(security);
        ReviseMemory command = new ReviseMemory(tenant, new UserId(userId), Requests.memoryId(memoryId),
                Optional.ofNullable(body.occurredAt()), Optional.ofNullable(body.content()),
                Optional.ofNullable(body.tags()), Optional.ofNullable(body.attributes()),
                Optional.ofNullable(body.mediaIds()), Requests.key(idempotencyKey));
        MemoryIngest.Accepted accepted = ingest.revise(command, Requests.provenance(traceparent));
        metrics.accepted(tenant, "MemoryRevised", 1);
        return Response.accepted(new MemoryAccepted(accepted.memoryId().toString(), accepted.position().toString()))
                .header(Requests.POSITION, accepted.position().toString()).build();
    }

    @DELETE
    @Path("/{memoryId}")
    @Operation(operationId = "forgetMemory", summary = "Forget a memory",
            description = "Deletes the memory from every projection (its event stays in the log).",
            responses = {
                    @ApiResponse(responseCode = "202", description = "Durable in the log",
                            headers = @Header(name = Requests.POSITION, description = IngestApiDocs.POSITION,
                                    schema = @Schema(type = "string")),
                            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(implementation = MemoryAccepted.class),
                                    examples = @ExampleObject(name = "accepted", value = ACCEPTED_EXAMPLE))),
                    @ApiResponse(responseCode = "401", ref = IngestApiDocs.UNAUTHENTICATED),
                    @ApiResponse(responseCode = "403", ref = IngestApiDocs.FORBIDDEN),
                    @ApiResponse(responseCode = "422", ref = IngestApiDocs.VALIDATION_FAILED),
                    @ApiResponse(responseCode = "410", ref = IngestApiDocs.USER_ERASED),
                    @ApiResponse(responseCode = "429", ref = IngestApiDocs.RATE_LIMITED),
                    @ApiResponse(responseCode = "500", ref = OpenApiDocs.INTERNAL_ERROR),
                    @ApiResponse(responseCode = "503", ref = IngestApiDocs.UNAVAILABLE)})
    public Response forget(@Context SecurityContext security,
                           @Parameter(description = IngestApiDocs.USER_ID) @PathParam("userId") String userId,
                           @Parameter(description = IngestApiDocs.MEMORY_ID,
                                   schema = @Schema(type = "string", format = "uuid"))
                           @PathParam("memoryId") String memoryId,
                           @Parameter(description = IngestApiDocs.IDEMPOTENCY_KEY,
                                   schema = @Schema(type = "string", pattern = IngestApiDocs.IDEMPOTENCY_KEY_PATTERN))
                           @HeaderParam("Idempotency-Key") String idempotencyKey,
                           @Parameter(description = IngestApiDocs.TRACEPARENT)
                           @HeaderParam(Requests.TRACEPARENT) String traceparent) {
        TenantId tenant = Requests.tenant(security);
        MemoryIngest.Accepted accepted = ingest.forget(new ForgetMemory(tenant, new UserId(userId),
                Requests.memoryId(memoryId), Requests.key(idempotencyKey)), Requests.provenance(traceparent));
        metrics.accepted(tenant, "MemoryForgotten", 1);
        return Response.accepted(new MemoryAccepted(accepted.memoryId().toString(), accepted.position().toString()))
                .header(Requests.POSITION, accepted.position().toString()).build();
    }
}
