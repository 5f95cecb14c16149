package io.mnemo.query.resources;

import io.mnemo.kit.auth.Caller;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.query.api.MemoryPageResponse;
import io.mnemo.query.api.MemoryResponse;
import io.mnemo.query.core.InvalidQuery;
import io.mnemo.query.core.LogPosition;
import io.mnemo.query.core.MemoryFilter;
import io.mnemo.query.core.MemoryQueries;
import io.mnemo.query.core.MemoryView;
import io.mnemo.query.core.Read;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/**
 * Analysts' read API over one user's memories, served from a replica whenever one qualifies. The tenant comes
 * from the API key only: a caller can never read another tenant's memories, by any id or cursor.
 */
@Path("/v1/users/{userId}/memories")
@Produces(MediaType.APPLICATION_JSON)
public final class MemoryQueryResource {
    public static final String READ_SOURCE_HEADER = ReadHeaders.READ_SOURCE;

    private final MemoryQueries queries;

    public MemoryQueryResource(MemoryQueries queries) {
        this.queries = queries;
    }

    @GET
    @RequiresScope(Scopes.MEMORIES_READ)
    public Response list(@Context SecurityContext security, @PathParam("userId") String userId,
                         @QueryParam("from") String from, @QueryParam("to") String to,
                         @QueryParam("tag") List<String> tags, @QueryParam("q") String text,
                         @QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
                         @HeaderParam(LogPosition.HEADER) String position) {
        String tenantId = Caller.of(security).tenantId();
        MemoryFilter filter = new MemoryFilter(instant("from", from), instant("to", to),
                tags == null ? List.of() : tags, Optional.ofNullable(text));
        Read<MemoryQueries.Page> page = queries.page(tenantId, userId, filter, Optional.ofNullable(cursor),
                parseLimit(limit), ReadHeaders.requested(position));
        MemoryPageResponse body = new MemoryPageResponse(
                page.value().items().stream().map(MemoryQueryResource::toResponse).toList(),
                page.value().nextCursor().orElse(null));
        return ReadHeaders.ok(page, body).build();
    }

    @GET
    @Path("/{memoryId}")
    @RequiresScope(Scopes.MEMORIES_READ)
    public Response one(@Context SecurityContext security, @PathParam("userId") String userId,
                        @PathParam("memoryId") String memoryId, @HeaderParam(LogPosition.HEADER) String position) {
        Read<MemoryView> memory = queries.memory(Caller.of(security).tenantId(), userId, memoryId,
                ReadHeaders.requested(position));
        return ReadHeaders.ok(memory, toResponse(memory.value())).build();
    }

    static Optional<Instant> instant(String parameter, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value));
        } catch (DateTimeParseException e) {
            throw new InvalidQuery(parameter, "must be an ISO-8601 instant such as 2026-11-01T00:00:00Z");
        }
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
