package io.mnemo.query.resources;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.kit.auth.Caller;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.kit.http.OpenApiDocs;
import io.mnemo.query.api.MemoryResponse;
import io.mnemo.query.core.MemoryExport;
import io.mnemo.query.core.MemoryQueries;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.glassfish.jersey.server.CloseableService;

/**
 * {@code GET /v1/users/{userId}/memories:export?from&to}: every memory of the user as NDJSON, newest first,
 * streamed from a database cursor row by row, so memory stays flat whatever the size. The source is chosen before
 * the first byte (and named in {@code X-Mnemo-Read-Source}); if it fails mid-stream the response is cut short,
 * which a client sees as a truncated body, never as a complete-looking one.
 */
@Path("/v1/users/{userId}/memories:export")
@Tag(name = "exports", description = "Every memory of a user as NDJSON, streamed whatever the size. Needs the "
        + "memories:read scope.")
public final class ExportResource {
    public static final String NDJSON = "application/x-ndjson";

    private final MemoryQueries queries;
    private final ObjectMapper json;

    public ExportResource(MemoryQueries queries, ObjectMapper json) {
        this.queries = queries;
        this.json = json.copy().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    }

    @GET
    @Produces(NDJSON)
    @RequiresScope(Scopes.MEMORIES_READ)
    @Operation(operationId = "exportMemories", summary = "Export a user's memories as NDJSON",
            description = "One memory (the listing's item shape) per line, newest first, streamed from one "
                    + "consistent snapshot. A failure mid-stream cuts the body short: count the lines or compare "
                    + "with a listing rather than trusting a 200 alone.",
            responses = {
                    @ApiResponse(responseCode = "200", description = "The memories, one JSON object per line",
                            headers = @Header(name = ReadHeaders.READ_SOURCE, description = QueryApiDocs.READ_SOURCE,
                                    schema = @Schema(type = "string")),
                            content = @Content(mediaType = NDJSON,
                                    schema = @Schema(implementation = MemoryResponse.class))),
                    @ApiResponse(responseCode = "400", ref = QueryApiDocs.INVALID_PARAMETER),
                    @ApiResponse(responseCode = "401", ref = QueryApiDocs.UNAUTHENTICATED),
                    @ApiResponse(responseCode = "403", ref = QueryApiDocs.FORBIDDEN),
                    @ApiResponse(responseCode = "429", ref = QueryApiDocs.EXPORT_LIMITED),
                    @ApiResponse(responseCode = "500", ref = OpenApiDocs.INTERNAL_ERROR),
                    @ApiResponse(responseCode = "503", ref = QueryApiDocs.UNAVAILABLE)})
    public Response export(@Context SecurityContext security,
                           @Parameter(description = QueryApiDocs.USER_ID) @PathParam("userId") String userId,
                           @Parameter(description = QueryApiDocs.FROM_INSTANT,
                                   schema = @Schema(type = "string", format = "date-time"))
                           @QueryParam("from") String from,
                           @Parameter(description = QueryApiDocs.TO_INSTANT,
                                   schema = @Schema(type = "string", format = "date-time"))
                           @QueryParam("to") String to,
                           @Context CloseableService closeables) {
        MemoryExport export = queries.export(Caller.of(security).tenantId(), userId,
                MemoryQueryResource.instant("from", from), MemoryQueryResource.instant("to", to));
        // the export's permit is returned when it has streamed; also when the request ends without streaming it
        closeables.add(export::close);
        StreamingOutput body = output -> {
            try {
                export.forEach(memory -> {
                    try {
                        json.writeValue(output, MemoryQueryResource.toResponse(memory));
                        output.write('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        };
        return Response.ok(body, NDJSON).header(ReadHeaders.READ_SOURCE, export.source().header()).build();
    }
}
