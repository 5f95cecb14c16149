package io.mnemo.query.resources;

import io.mnemo.query.core.LogPosition;
import io.mnemo.query.core.Read;
import jakarta.ws.rs.core.Response;
import java.util.Optional;

/** The headers every read answers with, and the position a request may ask for. */
final class ReadHeaders {
    static final String READ_SOURCE = "X-Mnemo-Read-Source";

    private ReadHeaders() {
    }

    /** {@code X-Mnemo-Position} of the request: ingest's position of a write, or the position of a last read. */
    static Optional<LogPosition> requested(String header) {
        return header == null || header.isBlank() ? Optional.empty() : Optional.of(LogPosition.parse(header));
    }

    static Response.ResponseBuilder ok(Read<?> read, Object body) {
        Response.ResponseBuilder response = Response.ok(body).header(READ_SOURCE, read.source().header());
        read.position().ifPresent(position -> response.header(LogPosition.HEADER, position.toString()));
        return response;
    }
}
