package io.mnemo.ingest.resources;

import io.mnemo.ingest.api.CaptureMemoryRequest;
import io.mnemo.ingest.api.MemoryAccepted;
import io.mnemo.ingest.core.CaptureMemory;
import io.mnemo.ingest.core.IdempotencyKey;
import io.mnemo.ingest.core.MemoryIngest;
import io.mnemo.ingest.core.TenantId;
import io.mnemo.ingest.core.UserId;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Optional;

/** Producers' write API for one user's memories. */
@Path("/v1/users/{userId}/memories")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class MemoriesResource {
    private final MemoryIngest ingest;
    private final TenantId tenant;
    private final MeterRegistry metrics;

    public MemoriesResource(MemoryIngest ingest, TenantId tenant, MeterRegistry metrics) {
        this.ingest = ingest;
        this.tenant = tenant;
        this.metrics = metrics;
    }

    @POST
    public Response capture(@PathParam("userId") String userId,
                            @HeaderParam("Idempotency-Key") String idempotencyKey,
                            @NotNull(message = "a JSON body is required") @Valid CaptureMemoryRequest body) {
        CaptureMemory command = new CaptureMemory(tenant, new UserId(userId), body.occurredAt(), body.content(),
                body.tagsOrEmpty(), body.attributesOrEmpty(), body.mediaIdsOrEmpty(),
                Optional.ofNullable(idempotencyKey).map(IdempotencyKey::new));
        MemoryIngest.Accepted accepted = ingest.capture(command);
        metrics.counter("mnemo.ingest.accepted", "tenant", tenant.value(), "event", "MemoryCaptured").increment();
        return Response.accepted(new MemoryAccepted(accepted.memoryId().toString(), accepted.position().toString()))
                .build();
    }
}
