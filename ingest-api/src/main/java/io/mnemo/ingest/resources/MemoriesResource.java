package io.mnemo.ingest.resources;

import io.mnemo.ingest.api.CaptureMemoryRequest;
import io.mnemo.ingest.api.MemoryAccepted;
import io.mnemo.ingest.api.ReviseMemoryRequest;
import io.mnemo.ingest.core.CaptureMemory;
import io.mnemo.ingest.core.ForgetMemory;
import io.mnemo.ingest.core.MemoryIngest;
import io.mnemo.ingest.core.ReviseMemory;
import io.mnemo.ingest.core.TenantId;
import io.mnemo.ingest.core.UserId;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.Optional;

/** Producers' write API for one user's memories: capture, revise, forget. Every answer means durable in Kafka. */
@Path("/v1/users/{userId}/memories")
@Produces(MediaType.APPLICATION_JSON)
@RequiresScope(Scopes.MEMORIES_WRITE)
public final class MemoriesResource {
    static final String MERGE_PATCH_JSON = "application/merge-patch+json";

    private final MemoryIngest ingest;
    private final IngestMetrics metrics;

    public MemoriesResource(MemoryIngest ingest, IngestMetrics metrics) {
        this.ingest = ingest;
        this.metrics = metrics;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response capture(@Context SecurityContext security, @PathParam("userId") String userId,
                            @HeaderParam("Idempotency-Key") String idempotencyKey,
                            @HeaderParam(Requests.TRACEPARENT) String traceparent,
                            @NotNull(message = "a JSON body is required") @Valid CaptureMemoryRequest body) {
        TenantId tenant = Requests.tenant(security);
        CaptureMemory command = new CaptureMemory(tenant, new UserId(userId), body.occurredAt(), body.content(),
                body.tagsOrEmpty(), body.attributesOrEmpty(), body.mediaIdsOrEmpty(), Requests.key(idempotencyKey));
        MemoryIngest.Accepted accepted = ingest.capture(command, Requests.provenance(traceparent));
        metrics.accepted(tenant, "MemoryCaptured", 1);
        return Response.accepted(new MemoryAccepted(accepted.memoryId().toString(), accepted.position().toString()))
                .header(Requests.POSITION, accepted.position().toString()).build();
    }

    @PATCH
    @Path("/{memoryId}")
    @Consumes({MediaType.APPLICATION_JSON, MERGE_PATCH_JSON})
    public Response revise(@Context SecurityContext security, @PathParam("userId") String userId,
                           @PathParam("memoryId") String memoryId,
                           @HeaderParam("Idempotency-Key") String idempotencyKey,
                           @HeaderParam(Requests.TRACEPARENT) String traceparent,
                           @NotNull(message = "a JSON body is required") @Valid ReviseMemoryRequest body) {
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
    public Response forget(@Context SecurityContext security, @PathParam("userId") String userId,
                           @PathParam("memoryId") String memoryId,
                           @HeaderParam("Idempotency-Key") String idempotencyKey,
                           @HeaderParam(Requests.TRACEPARENT) String traceparent) {
        TenantId tenant = Requests.tenant(security);
        MemoryIngest.Accepted accepted = ingest.forget(new ForgetMemory(tenant, new UserId(userId),
                Requests.memoryId(memoryId), Requests.key(idempotencyKey)), Requests.provenance(traceparent));
        metrics.accepted(tenant, "MemoryForgotten", 1);
        return Response.accepted(new MemoryAccepted(accepted.memoryId().toString(), accepted.position().toString()))
                .header(Requests.POSITION, accepted.position().toString()).build();
    }
}
