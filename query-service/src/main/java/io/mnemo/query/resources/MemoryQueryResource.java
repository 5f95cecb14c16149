package io.mnemo.query.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.mnemo.kit.auth.Caller;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.kit.http.OpenApiDocs;
import io.mnemo.query.api.MemoryPageResponse;
import io.mnemo.query.api.MemoryResponse;
import io.mnemo.query.core.InvalidQuery;
import io.mnemo.query.core.LogPosition;
import io.mnemo.query.core.MemoryFilter;
import io.mnemo.query.core.MemoryQueries;
import io.mnemo.query.core.MemoryView;
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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.io.UncheckedIOException;
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
@Tag(name = "memories", description = "One user's memories: filtered lists, keyset-paged newest first, and "
        + "lookups by id. Needs the memories:read scope.")
public final class MemoryQueryResource {
    public static final String READ_SOURCE_HEADER = ReadHeaders.READ_SOURCE;

    private final MemoryQueries queries;
    /**
     * A page is written to bytes here, with the service's object mapper: through the JAX-RS Jackson provider, each
     * response first hashed this method's (large, OpenAPI) annotations to look up its writer configuration.
     */
    private final ObjectWriter pages;

    public MemoryQueryResource(MemoryQueries queries, ObjectMapper json) {
        this.queries = queries;
        this.pages = json.writerFor(MemoryPageResponse.class);
    }

    @GET
    @RequiresScope(Scopes.MEMORIES_READ)
    @Operation(operationId = "listMemories", summary = "List a user's memories, newest first",
            description = "The filters combine: every one given must match. A page ends with `nextCursor` when more "
                    + "memories match; pass it as `cursor`, with the same filters, for the next page. Memories "
                    + "written while paging never make a page repeat or skip one already listed.",
            responses = {
                    @ApiResponse(responseCode = "200", description = "One page of memories",
                            headers = {
                                    @Header(name = LogPosition.HEADER, description = QueryApiDocs.POSITION_ANSWERED,
                                            schema = @Schema(type = "string")),
                                    @Header(name = READ_SOURCE_HEADER, description = QueryApiDocs.READ_SOURCE,
                                            schema = @Schema(type = "string"))},
                            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(implementation = MemoryPageResponse.class))),
                    @ApiResponse(responseCode = "400", ref = QueryApiDocs.INVALID_PARAMETER),
                    @ApiResponse(responseCode = "401", ref = QueryApiDocs.UNAUTHENTICATED),
                    @ApiResponse(responseCode = "403", ref = QueryApiDocs.FORBIDDEN),
                    @ApiResponse(responseCode = "429", ref = QueryApiDocs.RATE_LIMITED),
                    @ApiResponse(responseCode = "500", ref = OpenApiDocs.INTERNAL_ERROR),
                    @ApiResponse(responseCode = "503", ref = QueryApiDocs.UNAVAILABLE)})
    public Response list(@Context SecurityContext security,
                         @Parameter(description = QueryApiDocs.USER_ID) @PathParam("userId") String userId,
                         @Parameter(description = QueryApiDocs.FROM_INSTANT,
                                 schema = @Schema(type = "string", format = "date-time"))
                         @QueryParam("from") String from,
                         @Parameter(description = QueryApiDocs.TO_INSTANT,
                                 schema = @Schema(type = "string", format = "date-time"))
                         @QueryParam("to") String to,
                         @Parameter(description = "Only memories carrying this tag; repeat for several, all of "
                                 + "which must be present (`tag=walk&tag=outdoor`).")
                         @QueryParam("tag") List<String> tags,
                         @Parameter(description = QueryApiDocs.SEARCH)
                         @QueryParam("q") String text,
                         @Parameter(description = "Page size.", schema = @Schema(type = "integer", minimum = "1",
                                 maximum = "" + MemoryQueries.MAX_LIMIT,
                                 defaultValue = "" + MemoryQueries.DEFAULT_LIMIT))
                         @QueryParam("limit") String limit,
                         @Parameter(description = "Opaque token: the `nextCursor` of the previous page, unchanged. "
                                 + "It is signed and bound to the user and the filters; any other use is 400.",
                                 schema = @Schema(type = "string"))
                         @QueryParam("cursor") String cursor,
                         @Parameter(description = QueryApiDocs.POSITION_REQUESTED,
                                 schema = @Schema(type = "string", pattern = QueryApiDocs.POSITION_PATTERN,
                                        example = QueryApiDocs.POSITION_EXAMPLE))
                         @HeaderParam(LogPosition.HEADER) String position) {
        String tenantId = Caller.of(security).tenantId();
        MemoryFilter filter = new MemoryFilter(instant("from", from), instant("to", to),
                tags == null ? List.of() : tags, Optional.ofNullable(text));
        Read<MemoryQueries.Page> page = queries.page(tenantId, userId, filter, Optional.ofNullable(cursor),
                parseLimit(limit), ReadHeaders.requested(position));
        MemoryPageResponse body = new MemoryPageResponse(
                page.value().items().stream().map(MemoryQueryResource::toResponse).toList(),
                page.value().nextCursor().orElse(null));
        try {
            return ReadHeaders.ok(page, pages.writeValueAsBytes(body)).type(MediaType.APPLICATION_JSON_TYPE).build();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @GET
    @Path("/{memoryId}")
    @RequiresScope(Scopes.MEMORIES_READ)
    @Operation(operationId = "getMemory", summary = "Get one of a user's memories by id",
            description = "A forgotten (deleted) memory, another user's or another tenant's is 404.",
            responses = {
                    @ApiResponse(responseCode = "200", description = "The memory",
                            headers = {
                                    @Header(name = LogPosition.HEADER, description = QueryApiDocs.POSITION_ANSWERED,
                                            schema = @Schema(type = "string")),
                                    @Header(name = READ_SOURCE_HEADER, description = QueryApiDocs.READ_SOURCE,
                                            schema = @Schema(type = "string"))},
                            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(implementation = MemoryResponse.class))),
                    @ApiResponse(responseCode = "400", ref = QueryApiDocs.INVALID_PARAMETER),
                    @ApiResponse(responseCode = "401", ref = QueryApiDocs.UNAUTHENTICATED),
                    @ApiResponse(responseCode = "403", ref = QueryApiDocs.FORBIDDEN),
                    @ApiResponse(responseCode = "404", ref = QueryApiDocs.NOT_FOUND),
                    @ApiResponse(responseCode = "429", ref = QueryApiDocs.RATE_LIMITED),
                    @ApiResponse(responseCode = "500", ref = OpenApiDocs.INTERNAL_ERROR),
                    @ApiResponse(responseCode = "503", ref = QueryApiDocs.UNAVAILABLE)})
    public Response one(@Context SecurityContext security,
                        @Parameter(description = QueryApiDocs.USER_ID) @PathParam("userId") String userId,
                        @Parameter(description = "The memory's id (a UUID, as ingest returned it).",
                                schema = @Schema(type = "string", format = "uuid"))
                        @PathParam("memoryId") String memoryId,
                        @Parameter(description = QueryApiDocs.POSITION_REQUESTED,
                                schema = @Schema(type = "string", pattern = QueryApiDocs.POSITION_PATTERN,
                                        example = QueryApiDocs.POSITION_EXAMPLE))
                        @HeaderParam(LogPosition.HEADER) String position) {
        Read<MemoryView> memory = queries.memory(Caller.of(security).tenantId(), userId, memoryId,
                ReadHeaders.requested(position));
        return ReadHeaders.ok(memory, toResponse(memory.value())).build();
    }

    static Optional<Instant> instant(String parameter, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        Instant instant;
        try {
            instant = Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new InvalidQuery(parameter, "must be an ISO-8601 instant such as 2026-11-01T00:00:00Z");
        }
        // Java reads years up to a billion; Postgres timestamps end in 294276, and an API has no use beyond 9999
        if (instant.isBefore(EARLIEST) || !instant.isBefore(AFTER_LATEST)) {
            throw new InvalidQuery(parameter, "must be in the years 0001 to 9999");
        }
        return Optional.of(instant);
    }

    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant AFTER_LATEST = Instant.parse("+10000-01-01T00:00:00Z");

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
