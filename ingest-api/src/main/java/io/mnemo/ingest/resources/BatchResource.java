package io.mnemo.ingest.resources;

import io.mnemo.ingest.api.BatchItemRequest;
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
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Valid;
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
 * otherwise the items' common failure (422 when none was valid, 503 when Kafka took none).
 */
@Path("/v1/memories:batch")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RequiresScope(Scopes.MEMORIES_WRITE)
public final class BatchResource {
    static final int MULTI_STATUS = 207;

    private final MemoryIngest ingest;
    private final Validator validator;
    private final IngestMetrics metrics;

    public BatchResource(MemoryIngest ingest, Validator validator, IngestMetrics metrics) {
        this.ingest = ingest;
        this.validator = validator;
        this.metrics = metrics;
    }

    @POST
    public Response capture(@Context SecurityContext security, @Context UriInfo uri,
                            @HeaderParam(Requests.TRACEPARENT) String traceparent,
                            @NotNull(message = "a JSON body is required") @Valid BatchRequest body) {
        TenantId tenant = Requests.tenant(security);
        List<BatchItem> items = new ArrayList<>(body.items().size());
        for (int i = 0; i < body.items().size(); i++) {
            items.add(item(tenant, body.items().get(i), i));
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
    private BatchItem item(TenantId tenant, BatchItemRequest request, int index) {
        if (request == null) {
            return BatchItem.invalid(new InvalidInput("items[" + index + "]", "must be an object"));
        }
        Set<ConstraintViolation<BatchItemRequest>> violations = validator.validate(request);
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
