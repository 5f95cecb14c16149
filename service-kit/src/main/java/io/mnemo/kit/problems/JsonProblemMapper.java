package io.mnemo.kit.problems;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import io.mnemo.kit.http.ApiJson;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.mnemo.kit.http.JsonBodyLimit;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.List;
import java.util.stream.Collectors;

/** Unparseable JSON → 400; well-formed JSON of the wrong shape → 422 naming the field. */
public final class JsonProblemMapper implements ExceptionMapper<JsonProcessingException> {
    @Context
    private UriInfo request;

    public static final ProblemType JSON_LIMITS_EXCEEDED = new ProblemType("json-limits-exceeded",
            "JSON exceeds the parser's limits", 400);

    @Override
    public Response toResponse(JsonProcessingException exception) {
        JsonBodyLimit.BodyRefused refused = JsonBodyLimit.BodyRefused.in(exception);
        if (refused != null) {
            return refused.response(request);
        }
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            // Jackson may wrap the parser's constraint violation in a mapping exception.
            if (cause instanceof StreamConstraintsException constraint) {
                if (constraint.getOriginalMessage().startsWith("Token count")) {
                    return JsonBodyLimit.tooLarge("The JSON body holds more than " + ApiJson.MAX_TOKENS
                            + " values (tokens)", request);
                }
                return ProblemResponses.of(JSON_LIMITS_EXCEEDED, constraint.getOriginalMessage(), request);
            }
        }
        return toProblem(exception);
    }

    private Response toProblem(JsonProcessingException exception) {
        if (exception instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            String field = mismatch.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            String message = exception instanceof UnrecognizedPropertyException ? "unknown field"
                    : exception instanceof InvalidFormatException invalid
                    ? "cannot be read as " + invalid.getTargetType().getSimpleName()
                    : "has the wrong type";
            return ProblemResponses.of(ProblemType.VALIDATION_FAILED, 422, "1 invalid field(s)",
                    List.of(new Problem.FieldError(field, message)), request);
        }
        if (exception instanceof MismatchedInputException mismatch
                && mismatch.getProcessor() instanceof JsonParser parser && parser.currentToken() != null) {
            // the whole body has the wrong shape (e.g. [] for an object): say which, never the Java type's name
            String expected = mismatch.getTargetType() != null
                    && java.util.Collection.class.isAssignableFrom(mismatch.getTargetType()) ? "a JSON array"
                    : "a JSON object";
            return ProblemResponses.of(ProblemType.VALIDATION_FAILED, 422, "The request body must be " + expected,
                    List.of(new Problem.FieldError("body", "must be " + expected)), request);
        }
        if (exception instanceof StreamReadException) {
            // The parser's message names the position but never echoes more than a token of the body.
            return ProblemResponses.of(ProblemType.MALFORMED_REQUEST, "Request body is not valid JSON: "
                    + exception.getOriginalMessage(), request);
        }
        // a binding failure's message names our classes: not for clients
        return ProblemResponses.of(ProblemType.MALFORMED_REQUEST, "Request body cannot be read as this request",
                request);
    }
}
