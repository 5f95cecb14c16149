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
import io.mnemo.kit.problems.Problem;
import io.mnemo.kit.problems.ProblemResponses;
import io.mnemo.kit.problems.ProblemType;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
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
public final class BatchResource {
    static final int MULTI_STATUS = 207;
    private static final String BODY_REQUIRED = "a JSON body is required";

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
    public Response capture(@Context SecurityContext security, @Context UriInfo uri,
                            @HeaderParam(Requests.TRACEPARENT) String traceparent,
                            @Parameter(schema = @Schema(implementation = BatchRequest.class))
                            @NotNull(message = BODY_REQUIRED) JsonNode body) {
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
