package io.mnemo.ingest.resources;

import io.mnemo.ingest.core.IdempotencyKey;
import io.mnemo.ingest.core.InvalidInput;
import io.mnemo.ingest.core.MemoryId;
import io.mnemo.ingest.core.Provenance;
import io.mnemo.ingest.core.TenantId;
import io.mnemo.kit.auth.Caller;
import io.mnemo.kit.http.RequestIds;
import io.mnemo.kit.tracing.Tracing;
import jakarta.ws.rs.core.SecurityContext;
import java.util.Optional;
import java.util.UUID;

/** Parsing shared by the ingest resources: tenant from the API key, ids and headers into domain values. */
final class Requests {
    static final String TRACEPARENT = "traceparent";
    /** The event's position, also in the body: hand it to the query service for read-your-writes. */
    static final String POSITION = "X-Mnemo-Position";

    private Requests() {
    }

    /** The tenant of the API key that authenticated the request; never anything the client sent. */
    static TenantId tenant(SecurityContext security) {
        return new TenantId(Caller.of(security).tenantId());
    }

    static Optional<IdempotencyKey> key(String header) {
        return Optional.ofNullable(header).map(IdempotencyKey::new);
    }

    /**
     * The traceparent events carry is the request's server span when tracing is on (so a request without one still
     * starts a trace), else the one the caller sent.
     */
    static Provenance provenance(String traceparent) {
        return Provenance.of(Tracing.currentTraceparent(traceparent), RequestIds.current());
    }

    static MemoryId memoryId(String value) {
        try {
            return new MemoryId(UUID.fromString(value));
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("memoryId", "must be a memory id (a UUID) returned by this API");
        }
    }
}
