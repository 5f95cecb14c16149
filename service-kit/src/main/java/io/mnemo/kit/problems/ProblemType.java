package io.mnemo.kit.problems;

import java.net.URI;

/**
 * A kind of problem: its stable URN, title and HTTP status. Services declare their own next to the shared ones.
 *
 * @param slug   the last segment of {@code urn:mnemo:problem:<slug>}
 * @param title  short human summary
 * @param status HTTP status code
 */
public record ProblemType(String slug, String title, int status) {
    public static final ProblemType MALFORMED_REQUEST = new ProblemType("malformed-request", "Malformed request", 400);
    public static final ProblemType VALIDATION_FAILED = new ProblemType("validation-failed", "Invalid input", 422);
    public static final ProblemType NOT_FOUND = new ProblemType("not-found", "Not found", 404);
    public static final ProblemType INTERNAL_ERROR = new ProblemType("internal-error", "Internal error", 500);

    /** The problem type URI clients compare against. */
    public URI uri() {
        return URI.create("urn:mnemo:problem:" + slug);
    }
}
