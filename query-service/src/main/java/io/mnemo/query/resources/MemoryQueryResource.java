package io.mnemo.query.resources;

import io.mnemo.query.api.MemoryPageResponse;
import io.mnemo.query.api.MemoryResponse;
import io.mnemo.query.core.InvalidQuery;
import io.mnemo.query.core.MemoryQueries;
import io.mnemo.query.core.MemoryView;
import io.mnemo.query.core.Read;
import io.mnemo.kit.auth.Caller;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.Optional;
import java.util.regex.Pattern;

/** Analysts' read API over one user's memories, served from a replica whenever one can answer. */
@Path("/v1/users/{userId}/memories")
@Produces(MediaType.APPLICATION_JSON)
public final class MemoryQueryResource {
    public static final String READ_SOURCE_HEADER = "X-Mnemo-Read-Source";
    private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");

    private final MemoryQueries queries;

    public MemoryQueryResource(MemoryQueries queries) {
        this.queries = queries;
    }

    @GET
    @RequiresScope(Scopes.MEMORIES_READ)
    public Response list(@Context SecurityContext security, @PathParam("userId") String userId,
                         @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        // The tenant comes from the API key only: a caller can never read another tenant's memories.
        String tenantId = Caller.of(security).tenantId();
        if (!USER_ID.matcher(userId).matches()) {
            throw new InvalidQuery("userId", "must be 1-128 characters of letters, digits and . _ - : @");
        }
        Read<MemoryQueries.Page> page = queries.page(tenantId, userId, Optional.ofNullable(cursor), parseLimit(limit));
        MemoryPageResponse body = new MemoryPageResponse(
                page.value().items().stream().map(MemoryQueryResource::toResponse).toList(),
                page.value().nextCursor().orElse(null));
        return Response.ok(body).header(READ_SOURCE_HEADER, page.source().header()).build();
    }

    private static Optional<Integer> parseLimit(String limit) {
        if (limit == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(limit));
        } catch (NumberFormatException e) {
            throw new InvalidQuery("limit", "must be a whole number between 1 and " + MemoryQueries.MAX_LIMIT);
        }
    }

    static MemoryResponse toResponse(MemoryView view) {
        return new MemoryResponse(view.memoryId().toString(), view.userId(), view.occurredAt(), view.recordedAt(),
                view.content(), view.tags(), view.attributes(), view.mediaIds(), view.version());
    }
}
