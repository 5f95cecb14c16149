package io.mnemo.kit.problems;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.net.URI;
import java.util.List;

/**
 * An RFC 9457 problem details body, the one shape of every error Mnemo's HTTP APIs return.
 *
 * @param type      stable identifier of the problem type ({@code urn:mnemo:problem:<slug>}); clients branch on it
 * @param title     short human summary of the type
 * @param status    the HTTP status, repeated for convenience
 * @param detail    human explanation of this occurrence
 * @param instance  the request path
 * @param requestId the request id, also in the {@code X-Request-Id} header and in the logs
 * @param errors    field errors, for validation problems
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(URI type, String title, int status, String detail, String instance, String requestId,
                      List<FieldError> errors) {

    /** Media type of problem documents. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** One invalid input field: a JSON pointer-like path and what is wrong with it. */
    public record FieldError(String field, String message) {
    }
}
