package io.mnemo.kit.problems;

import io.mnemo.kit.http.JsonBodyLimit;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/** JAX-RS errors (404, 405, 406, 415, ...) → problem+json with the same status and headers. */
public final class WebApplicationProblemMapper implements ExceptionMapper<WebApplicationException> {
    @Context
    private UriInfo request;

    @Override
    public Response toResponse(WebApplicationException exception) {
        JsonBodyLimit.BodyRefused refused = JsonBodyLimit.BodyRefused.in(exception);
        if (refused != null) {
            return refused.response(request);
        }
        Response original = exception.getResponse();
        int status = original.getStatus();
        Response.StatusType statusType = original.getStatusInfo();
        ProblemType type = new ProblemType(slug(statusType.getReasonPhrase()), statusType.getReasonPhrase(), status);
        Response problem = ProblemResponses.of(type, status, exception.getMessage(), java.util.List.of(), request);
        Response.ResponseBuilder builder = Response.fromResponse(problem);
        original.getHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Content-Type")) {
                values.forEach(value -> builder.header(name, value));
            }
        });
        return builder.build();
    }

    private static String slug(String reason) {
        return reason == null ? "http-error" : reason.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }
}
