package io.mnemo.ingest.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mnemo.ingest.api.BatchItemRequest;
import io.mnemo.ingest.api.PlainlyValid;
import io.mnemo.ingest.api.BatchItemResult;
import io.mnemo.ingest.api.BatchRequest;
import io.mnemo.ingest.api.BatchResponse;
import io.mnemo.ingest.core.BatchItem;
import io.mnemo.ingest.core.CaptureMemory;
import io.mnemo.ingest.core.IdempotencyKey;
import io.mnemo.ingest.core.IngestException;
import io.mnemo.ingest.core.InvalidInput;
import io.mnemo.ingest.core.ItemOutcome;
import io.mnemo.ingest.core.MemoryIngest;
import io.mnemo.ingest.core.TenantId;
import io.mnemo.ingest.core.UserId;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.kit.http.OpenApiDocs;
import io.mnemo.kit.problems.Problem;
import io.mnemo.kit.problems.ProblemResponses;
import io.mnemo.kit.problems.ProblemType;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import io.mnemo.kit.auth.RequestCost;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code POST /v1/memories:batch}: up to 500 memories of any users of the tenant in one request, produced to
 * Kafka together. One result per item in request order. 202 when every item is durable, 207 when some are,
 * otherwise the items' common failure (422 when none was valid, 503 when Kafka took none). Items are bound one by
 * one ({@link BatchBody}), so an item that cannot be read is one refused result, not a refused batch.
 */
@Path("/v1/memories:batch")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RequiresScope(Scopes.MEMORIES_WRITE)
@Tag(name = "batches", description = "Up to 500 memories of any users of the tenant in one request, with one result "
        + "per item. Needs the memories:write scope.")
public final class BatchResource {
    static final int MULTI_STATUS = 207;
    private static final String BODY_REQUIRED = "a JSON body is required";
    static final String PARTIAL_EXAMPLE = "{\"accepted\": 1, \"refused\": 1, \"results\": ["
            + "{\"index\": 0, \"status\": 202, \"memoryId\": \"" + IngestApiDocs.MEMORY_ID_EXAMPLE
            + "\", \"position\": \"" + IngestApiDocs.POSITION_EXAMPLE + "\"}, "
            + "{\"index\": 1, \"status\": 422, \"problem\": {\"type\": \"urn:mnemo:problem:validation-failed\", "
            + "\"title\": \"Invalid input\", \"status\": 422, \"detail\": \"1 invalid field(s)\", "
            + "\"errors\": [{\"field\": \"content\", \"message\": \"must not be null\"}]}}]}";

    private final MemoryIngest ingest;
    private final ObjectMapper json;
    private final Validator validator;
    private final IngestMetrics metrics;

    /** {@code json} must be the mapper Jersey reads bodies with, so an item is read as strictly as a capture. */
    public BatchResource(MemoryIngest ingest, ObjectMapper json, Validator validator, IngestMetrics metrics) {
        this.ingest = ingest;
        this.json = json;
        this.validator = validator;
        this.metrics = metrics;
    }

    /** The body is taken as a tree, so that a bad item cannot fail the binding; documented as a BatchRequest. */
    @POST
    @Operation(operationId = "captureBatch", summary = "Capture up to 500 memories in one request",
            description = "Each item is validated and produced on its own, with its own `idempotencyKey`; the "
                    + "answer has one result per item in request order. 202 when every item is durable, 207 when "
                    + "some are (retry only the refused items whose status is 503), 422 or 503 with the same "
                    + "results when none is. A body that is not a batch at all is refused whole (400, 422 "
                    + "problem).",
            responses = {
                    @ApiResponse(responseCode = "202", description = "Every item is durable in the log",
                            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(implementation = BatchResponse.class))),
                    @ApiResponse(responseCode = "207", description = "Some items are durable, others refused: "
                            + "each refused result has the status and problem it would have had on its own",
                            headers = @Header(name = OpenApiDocs.RETRY_AFTER,
                                    description = OpenApiDocs.RETRY_AFTER_DESCRIPTION + " Present when an item was "
                                            + "refused with 503.", schema = @Schema(type = "integer", minimum = "0")),
                            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(implementation = BatchResponse.class),
                                    examples = @ExampleObject(name = "oneRefused", value = PARTIAL_EXAMPLE))),
                    @ApiResponse(responseCode = "400", ref = IngestApiDocs.MALFORMED),
                    @ApiResponse(responseCode = "401", ref = IngestApiDocs.UNAUTHENTICATED),
                    @ApiResponse(responseCode = "403", ref = IngestApiDocs.FORBIDDEN),
                    @ApiResponse(responseCode = "408", ref = IngestApiDocs.BODY_TOO_SLOW),
                    @ApiResponse(responseCode = "413", ref = IngestApiDocs.PAYLOAD_TOO_LARGE),
                    @ApiResponse(responseCode = "415", ref = IngestApiDocs.UNSUPPORTED_MEDIA_TYPE),
                    @ApiResponse(responseCode = "422", description = "No item is valid: one result per item, each "
                            + "with its problem (application/json); or the envelope itself is invalid, e.g. no "
                            + "`items` or more than 500 (a problem, application/problem+json)",
                            content = {
                                    @Content(mediaType = MediaType.APPLICATION_JSON,
                                            schema = @Schema(implementation = BatchResponse.class)),
                                    @Content(mediaType = Problem.MEDIA_TYPE,
                                            schema = @Schema(ref = OpenApiDocs.PROBLEM_SCHEMA))}),
                    @ApiResponse(responseCode = "429", ref = IngestApiDocs.RATE_LIMITED),
                    @ApiResponse(responseCode = "500", ref = OpenApiDocs.INTERNAL_ERROR),
                    @ApiResponse(responseCode = "503", description = "Nothing was accepted: the log took no item "
                            + "(one result per item, application/json), or the service cannot take writes now (a "
                            + "problem). Retry after Retry-After with the same idempotency keys.",
                            headers = @Header(name = OpenApiDocs.RETRY_AFTER,
                                    description = OpenApiDocs.RETRY_AFTER_DESCRIPTION,
                                    schema = @Schema(type = "integer", minimum = "0")),
                            content = {
                                    @Content(mediaType = MediaType.APPLICATION_JSON,
                                            schema = @Schema(implementation = BatchResponse.class)),
                                    @Content(mediaType = Problem.MEDIA_TYPE,
                                            schema = @Schema(ref = OpenApiDocs.PROBLEM_SCHEMA))})})
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = BatchRequest.class)))
    public Response capture(@Context SecurityContext security, @Context UriInfo uri,
                            @Context ContainerRequestContext request,
                            @Parameter(description = IngestApiDocs.TRACEPARENT)
                            @HeaderParam(Requests.TRACEPARENT) String traceparent,
                            // documented as the BatchRequest it must be (above), not as the tree it is read as
                            @Parameter(hidden = true) @NotNull(message = BODY_REQUIRED) JsonNode body) {
        if (body.isNull()) {
            throw new InvalidInput("body", BODY_REQUIRED);
        }
        if (!(body instanceof ObjectNode envelope)) {
            return ProblemResponses.of(ProblemType.MALFORMED_REQUEST,
                    "The body must be a JSON object with an \"items\" array", uri);
        }
        List<JsonNode> raw = BatchBody.items(envelope);
        TenantId tenant = Requests.tenant(security);
        List<BatchItem> items = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            items.add(item(tenant, raw.get(i), i));
        }
        // charged once the items are known and before any is produced: a refused batch has cost no work
        RequestCost.of(request).charge(RequestCosts.batch(items));
        List<ItemOutcome> outcomes = ingest.captureBatch(items, Requests.provenance(traceparent));

        List<BatchItemResult> results = new ArrayList<>(outcomes.size());
        int accepted = 0;
        boolean anyUnavailable = false;
        Optional<Duration> retryAfter = Optional.empty();
        for (int i = 0; i < outcomes.size(); i++) {
            ItemOutcome outcome = outcomes.get(i);
            if (outcome.isAccepted()) {
                accepted++;
                results.add(new BatchItemResult(i, 202, outcome.accepted().memoryId().toString(),
                        outcome.accepted().position().toString(), null));
            } else {
                Problem problem = IngestProblems.problem(outcome.refused(), uri);
                anyUnavailable |= problem.status() == 503;
                retryAfter = retryAfter.or(() -> IngestProblems.retryAfter(outcome.refused()));
                results.add(new BatchItemResult(i, problem.status(), null, null, problem));
            }
        }
        metrics.accepted(tenant, "MemoryCaptured", accepted);
        int status = accepted == outcomes.size() ? 202 : accepted > 0 ? MULTI_STATUS : anyUnavailable ? 503 : 422;
        Response.ResponseBuilder response = Response.status(status)
                .entity(new BatchResponse(accepted, outcomes.size() - accepted, results));
        if (status == 503 || status == MULTI_STATUS) {
            retryAfter.ifPresent(after -> response.header("Retry-After", ProblemResponses.retryAfterSeconds(after)));
        }
        return response.build();
    }

    /** Validates one item on its own, so that one bad item costs only its own result. */
    private BatchItem item(TenantId tenant, JsonNode raw, int index) {
        BatchItemRequest request;
        try {
            request = BatchBody.item(json, raw, index);
        } catch (InvalidInput e) {
            return BatchItem.invalid(e);
        }
        Set<ConstraintViolation<BatchItemRequest>> violations = PlainlyValid.batchItem(request) ? Set.of()
                : validator.validate(request);
        if (!violations.isEmpty()) {
            ConstraintViolation<BatchItemRequest> first = violations.stream()
                    .min(Comparator.comparing(v -> v.getPropertyPath().toString())).orElseThrow();
            return BatchItem.invalid(new InvalidInput(first.getPropertyPath().toString(), first.getMessage()));
        }
        try {
            return BatchItem.of(new CaptureMemory(tenant, new UserId(request.userId()), request.occurredAt(),
                    request.content(), request.tags() == null ? List.of() : request.tags(),
                    request.attributes() == null ? Map.of() : request.attributes(),
                    request.mediaIds() == null ? List.of() : request.mediaIds(),
                    Optional.ofNullable(request.idempotencyKey()).map(IdempotencyKey::new)));
        } catch (IngestException e) {
            return BatchItem.invalid(e);
        }
    }
}
