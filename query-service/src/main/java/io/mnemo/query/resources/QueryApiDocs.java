package io.mnemo.query.resources;

import static io.mnemo.kit.http.OpenApiDocs.problem;
import static io.mnemo.kit.http.OpenApiDocs.retryLater;

import io.mnemo.kit.http.OpenApiDocs;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;

/**
 * What the operations of the query API's OpenAPI document share: the problem responses they refer to by name,
 * and the descriptions of the parameters and headers every read has.
 */
public final class QueryApiDocs {
    static final String INVALID_PARAMETER = "InvalidParameter";
    static final String UNAUTHENTICATED = "Unauthenticated";
    static final String FORBIDDEN = "Forbidden";
    static final String NOT_FOUND = "NotFound";
    static final String RATE_LIMITED = "RateLimited";
    static final String EXPORT_LIMITED = "ExportLimited";
    static final String UNAVAILABLE = "Unavailable";

    static final String USER_ID = "The user whose data is read, in the API key's tenant (1-128 letters, digits "
            + "and . _ - : @; not . or ..).";
    static final String POSITION_REQUESTED = "Read-your-writes and monotonic reads: `partition:offset` as returned "
            + "by ingest for a write (or in this header by a previous read). The answer then reflects at least that "
            + "position of the user's partition, or is 503 position-not-yet-visible after a short wait. A position "
            + "beyond the end of the event log (or in a partition it does not have) is refused at once with 400 "
            + "invalid-parameter naming this header.";
    static final String POSITION_ANSWERED = "`partition:offset` of the user's partition that the data read reflects "
            + "at least (absent before the first event of that partition); send it back to never read older data.";
    static final String SEARCH = "Full-text search of the content: every word must occur (simple dictionary, no "
            + "stemming). Search has its own index, which follows the memories by milliseconds: with "
            + "X-Mnemo-Position a search waits until both the memories and the search index reflect the position "
            + "(and answers with the lower of the two), while a list without `q` waits for the memories only. "
            + "Every memory returned matches the words in the content returned.";
    static final String POSITION_PATTERN = "^[0-9]+:[0-9]+$";
    static final String POSITION_EXAMPLE = "3:1042";
    static final String READ_SOURCE = "Which database answered: `replica` or `primary`.";
    static final String FROM_INSTANT = "Only memories that occurred at or after this instant (ISO-8601, e.g. "
            + "2026-11-01T00:00:00Z).";
    static final String TO_INSTANT = "Only memories that occurred before this instant (ISO-8601, exclusive).";
    static final String FROM_DAY = "First UTC day (inclusive); default 30 days before `to`.";
    static final String TO_DAY = "Day after the last UTC day (exclusive); default tomorrow, so today is included. "
            + "At most 731 days after `from`.";

    /** The query service's document: what {@code /openapi.json} serves. */
    public static final OpenApiDocs.Api API = new OpenApiDocs.Api("Mnemo query API",
            "Analysts' read API over the projections, served from streaming replicas. Reads that carry "
                    + "X-Mnemo-Position (a write's position from ingest, or the position of a previous read) "
                    + "reflect at least that position or answer 503 position-not-yet-visible; every answer "
                    + "carries the position it reflects. Errors are RFC 9457 problem+json; 429 and 503 carry "
                    + "Retry-After.", 8082, "io.mnemo.query.resources", QueryApiDocs::addComponents);

    private QueryApiDocs() {
    }

    /** Adds the problem responses the operations refer to by name to the document. */
    public static void addComponents(OpenAPI openApi) {
        Components components = openApi.getComponents();
        components.addResponses(INVALID_PARAMETER, problem("A parameter or header is invalid (type "
                + "urn:mnemo:problem:invalid-parameter, with the field in `errors`), a cursor was tampered with "
                + "or belongs to another user or filter, or X-Mnemo-Position is beyond the end of the event log."));
        components.addResponses(UNAUTHENTICATED, problem("No API key, or an unknown one "
                + "(urn:mnemo:problem:unauthenticated)."));
        components.addResponses(FORBIDDEN, problem("The API key lacks the scope this operation needs "
                + "(urn:mnemo:problem:forbidden)."));
        components.addResponses(NOT_FOUND, problem("Nothing by that id for this user in the key's tenant "
                + "(urn:mnemo:problem:not-found)."));
        components.addResponses(RATE_LIMITED, retryLater(problem("The key's rate limit is exceeded "
                + "(urn:mnemo:problem:rate-limited).")));
        components.addResponses(EXPORT_LIMITED, retryLater(problem("The key's rate limit is exceeded "
                + "(urn:mnemo:problem:rate-limited), or the tenant already has its most exports streaming at once "
                + "(urn:mnemo:problem:too-many-concurrent-exports).")));
        components.addResponses(UNAVAILABLE, retryLater(problem("The requested X-Mnemo-Position is not reflected "
                + "yet by any database (urn:mnemo:problem:position-not-yet-visible: the write is durable, the "
                + "projection is a moment behind), or no database can answer now (read-unavailable).")));
    }
}
