package io.mnemo.query.resources;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.kit.auth.Caller;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.query.core.MemoryExport;
import io.mnemo.query.core.MemoryQueries;
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

/**
 * {@code GET /v1/users/{userId}/memories:export?from&to}: every memory of the user as NDJSON, newest first,
 * streamed from a database cursor row by row, so memory stays flat whatever the size. The source is chosen before
 * the first byte (and named in {@code X-Mnemo-Read-Source}); if it fails mid-stream the response is cut short,
 * which a client sees as a truncated body, never as a complete-looking one.
 */
@Path("/v1/users/{userId}/memories:export")
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
    public Response export(@Context SecurityContext security, @PathParam("userId") String userId,
                           @QueryParam("from") String from, @QueryParam("to") String to) {
        MemoryExport export = queries.export(Caller.of(security).tenantId(), userId,
                MemoryQueryResource.instant("from", from), MemoryQueryResource.instant("to", to));
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
