package io.mnemo.ingest.resources;

import io.mnemo.ingest.api.UserEraseAccepted;
import io.mnemo.ingest.core.EraseUser;
import io.mnemo.ingest.core.LogPosition;
import io.mnemo.ingest.core.MemoryIngest;
import io.mnemo.ingest.core.TenantId;
import io.mnemo.ingest.core.UserId;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
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
public final class UsersResource {
    private final MemoryIngest ingest;
    private final IngestMetrics metrics;

    public UsersResource(MemoryIngest ingest, IngestMetrics metrics) {
        this.ingest = ingest;
        this.metrics = metrics;
    }

    @DELETE
    public Response erase(@Context SecurityContext security, @PathParam("userId") String userId,
                          @HeaderParam("Idempotency-Key") String idempotencyKey,
                          @HeaderParam(Requests.TRACEPARENT) String traceparent) {
        TenantId tenant = Requests.tenant(security);
        LogPosition position = ingest.erase(new EraseUser(tenant, new UserId(userId), Requests.key(idempotencyKey)),
                Requests.provenance(traceparent));
        metrics.accepted(tenant, "UserErased", 1);
        return Response.accepted(new UserEraseAccepted(userId, position.toString()))
                .header(Requests.POSITION, position.toString()).build();
    }
}
