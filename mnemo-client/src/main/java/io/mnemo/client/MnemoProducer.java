package io.mnemo.client;

import io.mnemo.client.ingest.ApiResponse;
import io.mnemo.client.ingest.model.BatchItemRequest;
import io.mnemo.client.ingest.model.BatchItemResult;
import io.mnemo.client.ingest.model.BatchRequest;
import io.mnemo.client.ingest.model.BatchResponse;
import io.mnemo.client.ingest.model.Problem;
import java.io.IOException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Sends captures in batches of up to {@value #MAX_ITEMS}, or what arrived within the linger, one batch at a time.
 * Each memory gets its own idempotency key and future: the future completes with the memory's id and position,
 * or fails with the memory's own refusal ({@link MnemoException} with its status and problem type). Items refused
 * for a transient reason (503), and whole batches that got no answer or a 429/503, are sent again with the same
 * keys after Retry-After, so a retried memory is recorded once.
 */
public final class MnemoProducer implements AutoCloseable {
    public static final int MAX_ITEMS = 500;

    private record Pending(Memory memory, String idempotencyKey, CompletableFuture<Captured> result) {
    }

    private final MnemoClient client;
    private final int maxItems;
    private final Duration linger;
    private final ScheduledThreadPoolExecutor sender = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "mnemo-producer");
        thread.setDaemon(true);
        return thread;
    });
    private List<Pending> waiting = new ArrayList<>();
    private ScheduledFuture<?> lingering;
    private boolean closed;

    MnemoProducer(MnemoClient client, int maxItems, Duration linger) {
        if (maxItems < 1 || maxItems > MAX_ITEMS) {
            throw new IllegalArgumentException("maxItems must be 1 to " + MAX_ITEMS);
        }
        this.client = client;
        this.maxItems = maxItems;
        this.linger = linger;
        // a linger cancelled by a full batch or by close() must not hold the sender until it would have fired
        sender.setRemoveOnCancelPolicy(true);
    }

    public CompletableFuture<Captured> send(Memory memory) {
        return send(memory, UUID.randomUUID().toString());
    }

    public synchronized CompletableFuture<Captured> send(Memory memory, String idempotencyKey) {
        if (closed) {
            throw new IllegalStateException("the producer is closed");
        }
        Pending pending = new Pending(memory, idempotencyKey, new CompletableFuture<>());
        waiting.add(pending);
        if (waiting.size() >= maxItems) {
            List<Pending> batch = drain();
            sender.execute(() -> deliver(batch));
        } else if (lingering == null) {
            lingering = sender.schedule(this::deliverWaiting, linger.toMillis(), TimeUnit.MILLISECONDS);
        }
        return pending.result();
    }

    /** Sends what is waiting, then waits until every memory sent so far has its outcome. */
    @Override
    public void close() {
        List<Pending> last;
        synchronized (this) {
            closed = true;
            last = drain();
        }
        if (!last.isEmpty()) {
            sender.execute(() -> deliver(last));
        }
        sender.shutdown();
        try {
            if (!sender.awaitTermination(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("batches still being sent after 10 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized List<Pending> drain() {
        List<Pending> batch = waiting;
        waiting = new ArrayList<>();
        if (lingering != null) {
            lingering.cancel(false);
            lingering = null;
        }
        return batch;
    }

    private void deliverWaiting() {
        List<Pending> batch = drain();
        if (!batch.isEmpty()) {
            deliver(batch);
        }
    }

    /**
     * Sends a batch until every memory of it has its outcome. Whatever happens on the way (an exception from a
     * parser, a pause), no memory's future is left without one: the sender runs on an executor that would swallow
     * it, and a caller joining the future would wait forever.
     */
    private void deliver(List<Pending> batch) {
        try {
            sendUntilSettled(batch);
        } catch (RuntimeException | Error e) {
            batch.forEach(p -> p.result().completeExceptionally(e));
            throw e;
        } finally {
            MnemoException lost = new MnemoException(503, "", "the producer stopped before this memory's outcome "
                    + "was known; send it again with the same idempotency key", Optional.empty(), null, null);
            batch.forEach(p -> p.result().completeExceptionally(lost));
        }
    }

    private void sendUntilSettled(List<Pending> batch) {
        List<Pending> remaining = batch;
        for (int attempt = 1; ; attempt++) {
            Optional<Duration> retryAfter;
            List<Pending> again;
            try {
                ApiResponse<BatchResponse> answer = client.postBatch(request(remaining));
                retryAfter = answer.getHeaders().entrySet().stream()
                        .filter(h -> h.getKey().equalsIgnoreCase("Retry-After"))
                        .flatMap(h -> h.getValue().stream()).findFirst().flatMap(Answer::seconds);
                again = settle(remaining, answer.getData());
            } catch (Exception e) {
                Answer answer;
                try {
                    answer = Answer.of(e);
                } catch (RuntimeException unexpected) {
                    remaining.forEach(p -> p.result().completeExceptionally(unexpected));
                    return;
                }
                Optional<BatchResponse> results = results(answer);
                retryAfter = answer.retryAfter();
                if (results.isPresent()) {
                    again = settle(remaining, results.get());
                } else if (answer.isTransient()) {
                    again = remaining;
                } else {
                    MnemoException refused = answer.toException();
                    remaining.forEach(p -> p.result().completeExceptionally(refused));
                    return;
                }
            }
            if (again.isEmpty()) {
                return;
            }
            if (attempt >= client.retries().maxAttempts()) {
                MnemoException unavailable = new MnemoException(503, "", "not accepted after " + attempt
                        + " attempts", retryAfter, null, null);
                again.forEach(p -> p.result().completeExceptionally(unavailable));
                return;
            }
            client.retries().pause(retryAfter.orElse(client.retries().backoff(attempt)));
            remaining = again;
        }
    }

    /** A 422 or 503 of a batch still carries one result per item, unless the batch as a whole was refused. */
    private Optional<BatchResponse> results(Answer answer) {
        if ((answer.status() != 422 && answer.status() != 503) || answer.body() == null) {
            return Optional.empty();
        }
        try {
            BatchResponse response = client.ingestClient().getObjectMapper().readValue(answer.body(),
                    BatchResponse.class);
            return Optional.ofNullable(response.getResults()).map(results -> response);
        } catch (IOException problemInstead) {
            return Optional.empty();
        }
    }

    /** Completes the accepted and the refused items; returns those refused for a transient reason. */
    private List<Pending> settle(List<Pending> sent, BatchResponse response) {
        List<Pending> again = new ArrayList<>();
        java.util.BitSet answered = new java.util.BitSet(sent.size());
        for (BatchItemResult result : response.getResults()) {
            answered.set(result.getIndex());
            Pending pending = sent.get(result.getIndex());
            int status = result.getStatus();
            if (status == 202) {
                client.positions().saw(pending.memory().userId(), result.getPosition());
                pending.result().complete(new Captured(result.getMemoryId(), result.getPosition()));
            } else if (status == 503 || status == 429) {
                again.add(pending);
            } else {
                Problem problem = result.getProblem();
                pending.result().completeExceptionally(new MnemoException(status, problem == null ? ""
                        : String.valueOf(problem.getType()), problem == null ? "refused" : problem.getDetail()
                        + (problem.getErrors() == null ? "" : " " + problem.getErrors()), Optional.empty(), null,
                        null));
            }
        }
        for (int i = answered.nextClearBit(0); i < sent.size(); i = answered.nextClearBit(i + 1)) {
            again.add(sent.get(i)); // no result for it: send it again (its idempotency key makes that safe)
        }
        return again;
    }

    private static BatchRequest request(List<Pending> items) {
        BatchRequest request = new BatchRequest();
        for (Pending pending : items) {
            Memory memory = pending.memory();
            request.addItemsItem(new BatchItemRequest().userId(memory.userId())
                    .idempotencyKey(pending.idempotencyKey())
                    .occurredAt(memory.occurredAt().atOffset(ZoneOffset.UTC)).content(memory.content())
                    .tags(memory.tags()).attributes(memory.attributes()));
        }
        return request;
    }
}
