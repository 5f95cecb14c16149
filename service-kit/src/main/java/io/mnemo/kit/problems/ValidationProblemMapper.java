package io.mnemo.kit.problems;

import io.dropwizard.jersey.validation.JerseyViolationException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Path;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Bean Validation failures → 422 problem with one field error per violation. */
public final class ValidationProblemMapper implements ExceptionMapper<JerseyViolationException> {
    @Context
    private UriInfo request;

    @Override
    public Response toResponse(JerseyViolationException exception) {
        List<Problem.FieldError> errors = new ArrayList<>();
        for (ConstraintViolation<?> violation : exception.getConstraintViolations()) {
            errors.add(new Problem.FieldError(fieldName(violation.getPropertyPath()), violation.getMessage()));
        }
        errors.sort(Comparator.comparing(Problem.FieldError::field));
        return ProblemResponses.of(ProblemType.VALIDATION_FAILED, 422,
                errors.size() + " invalid field(s)", errors, request);
    }

    /** Drops the resource-method and argument nodes ({@code capture.arg1.content} → {@code content}). */
    static String fieldName(Path path) {
        List<String> names = new ArrayList<>();
        for (Path.Node node : path) {
            switch (node.getKind()) {
                case METHOD, CONSTRUCTOR, RETURN_VALUE -> names.clear();
                case PARAMETER -> names.clear();
                default -> {
                    String name = node.getName();
                    if (node.getIndex() != null) {
                        name = (name == null ? "" : name) + "[" + node.getIndex() + "]";
                    } else if (node.getKey() != null) {
                        name = (name == null ? "" : name) + "[" + node.getKey() + "]";
                    }
                    if (name != null && !name.isEmpty()) {
                        names.add(name);
                    }
                }
            }
        }
        return names.isEmpty() ? "body" : String.join(".", names).replace(".[", "[");
    }
}
