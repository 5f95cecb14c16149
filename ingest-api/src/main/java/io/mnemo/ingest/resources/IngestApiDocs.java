package io.mnemo.ingest.resources;

import static io.mnemo.kit.http.OpenApiDocs.problem;
import static io.mnemo.kit.http.OpenApiDocs.retryLater;

import io.mnemo.kit.http.OpenApiDocs;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;

/**
 * What the operations of the ingest API's OpenAPI document share: the problem responses they refer to by name,
 * and the descriptions of the headers every write takes or answers with.
 */
public final class IngestApiDocs {
    static final String MALFORMED = "MalformedRequest";
    static final String UNAUTHENTICATED = "Unauthenticated";
    static final String FORBIDDEN = "Forbidden";
    static final String BODY_TOO_SLOW = "BodyTooSlow";
    static final String PAYLOAD_TOO_LARGE = "PayloadTooLarge";
    static final String UNSUPPORTED_MEDIA_TYPE = "UnsupportedMediaType";
    static final String VALIDATION_FAILED = "ValidationFailed";
    static final String RATE_LIMITED = "RateLimited";
    static final String UPLOAD_LIMITED = "UploadLimited";
    static final String USER_ERASED = "UserErased";
    static final String UNAVAILABLE = "Unavailable";

    static final String USER_ID = "The user the write is about, in the API key's tenant (1-128 letters, digits and "
            + ". _ - : @; not . or ..).";
    static final String MEMORY_ID = "The memory's id (a UUID), as capture returned it.";
    static final String IDEMPOTENCY_KEY = "Makes a retry safe: the same key (1-128 letters, digits and . _ - :) for "
            + "the same user gives the same memory id and event id, so a write retried after a timeout or a 503 "
            + "is recorded once. Generate one per logical write and reuse it on every retry of that write.";
    static final String IDEMPOTENCY_KEY_PATTERN = "^[A-Za-z0-9._:-]{1,128}$";
    static final String TRACEPARENT = "W3C trace context; recorded with the event so a write can be followed "
            + "downstream. Ignored when malformed.";
    static final String POSITION = "`partition:offset` of the event in the log, the same as `position` in the body. "
            + "Send it to the query service as X-Mnemo-Position to read this write.";
    static final String POSITION_EXAMPLE = "3:1042";
    static final String MEMORY_ID_EXAMPLE = "0b6a4c44-5b0e-4d53-9d4c-1f1f8f0c2f6e";

    /** The ingest API's document: what {@code /openapi.json} serves. */
    public static final OpenApiDocs.Api API = new OpenApiDocs.Api("Mnemo ingest API",
            "Producers' write API: every 2xx means the event is durable in Kafka (acks=all). Errors are "
                    + "RFC 9457 problem+json; 429 and 503 carry Retry-After. Send an Idempotency-Key with every "
                    + "write and reuse it when retrying. Rate limits are per API key and charged by cost: a "
                    + "request costs one token, a capture or revision one more per media id it lists, a batch one "
                    + "per item plus one per media id its items list.", 8080, "io.mnemo.ingest.resources",
            IngestApiDocs::addComponents);

    private IngestApiDocs() {
    }

    /** Adds the problem responses the operations refer to by name to the document. */
    public static void addComponents(OpenAPI openApi) {
        Components components = openApi.getComponents();
        components.addResponses(MALFORMED, problem("The body is not JSON, has a duplicate field or nests too "
                + "deeply (urn:mnemo:problem:malformed-request, json-limits-exceeded)."));
        components.addResponses(UNAUTHENTICATED, problem("No API key, or an unknown one "
                + "(urn:mnemo:problem:unauthenticated)."));
        components.addResponses(FORBIDDEN, problem("The API key lacks the scope this operation needs "
                + "(urn:mnemo:problem:forbidden)."));
        components.addResponses(BODY_TOO_SLOW, problem("The JSON body did not arrive within the body deadline "
                + "(urn:mnemo:problem:request-timeout); nothing was accepted."));
        components.addResponses(PAYLOAD_TOO_LARGE, problem("The body is over the size limit, or holds too many "
                + "values (urn:mnemo:problem:payload-too-large); or the request costs more rate-limit tokens (items "
                + "and media ids) than the API key may spend at once (urn:mnemo:problem:request-exceeds-rate-limit): "
                + "split it. Nothing was accepted."));
        components.addResponses(UNSUPPORTED_MEDIA_TYPE, problem("The Content-Type is not one this operation takes "
                + "(urn:mnemo:problem:unsupported-media-type)."));
        components.addResponses(VALIDATION_FAILED, problem("A field or header is invalid "
                + "(urn:mnemo:problem:validation-failed); `errors` names each field and what is wrong with it."));
        components.addResponses(USER_ERASED, problem("The user was erased (urn:mnemo:problem:user-erased): their "
                + "data key is deleted and nothing more is written for them. Not retryable."));
        components.addResponses(RATE_LIMITED, retryLater(problem("The key's rate limit is exceeded "
                + "(urn:mnemo:problem:rate-limited): the key does not have the tokens this request costs now; "
                + "nothing was accepted.")));
        components.addResponses(UPLOAD_LIMITED, retryLater(problem("The key's rate limit is exceeded "
                + "(urn:mnemo:problem:rate-limited), or the tenant already has its most uploads in progress at once "
                + "(urn:mnemo:problem:too-many-concurrent-uploads, refused before the body is read); nothing was "
                + "stored.")));
        components.addResponses(UNAVAILABLE, retryLater(problem("The event log cannot take the write now "
                + "(urn:mnemo:problem:ingest-unavailable), too many writes are waiting for it (ingest-overloaded), "
                + "or the API key cannot be verified now (auth-unavailable). Nothing was accepted: retry after "
                + "Retry-After with the same Idempotency-Key.")));
    }
}
