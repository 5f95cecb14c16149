package io.mnemo.kit.problems;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
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
@Schema(description = "RFC 9457 problem details: the one shape of every error.")
public record Problem(
        @Schema(description = "Stable identifier of the problem type; branch on it.", format = "uri",
                requiredMode = Schema.RequiredMode.REQUIRED, example = "urn:mnemo:problem:validation-failed") URI type,
        @Schema(description = "Short human summary of the type.", requiredMode = Schema.RequiredMode.REQUIRED)
        String title,
        @Schema(description = "The HTTP status, repeated.", requiredMode = Schema.RequiredMode.REQUIRED) int status,
        @Schema(description = "Human explanation of this occurrence.") String detail,
        @Schema(description = "The request path.") String instance,
        @Schema(description = "The request id, also in the X-Request-Id header and in the logs.") String requestId,
        @Schema(description = "Field errors, for validation problems.") List<FieldError> errors) {

    /** Media type of problem documents. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** One invalid input field: a JSON pointer-like path and what is wrong with it. */
    public record FieldError(
            @Schema(description = "The field: `content`, `tags[0]`, `items[3].userId`, a header name.",
                    requiredMode = Schema.RequiredMode.REQUIRED) String field,
            @Schema(description = "What is wrong with it.", requiredMode = Schema.RequiredMode.REQUIRED)
            String message) {
    }
}
