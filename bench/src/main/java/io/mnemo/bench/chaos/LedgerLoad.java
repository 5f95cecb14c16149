package io.mnemo.bench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Open-loop producers that behave as the README tells producers to: every memory has its own Idempotency-Key, and a
 * 429, a 503, a load balancer's 502/504 or a connection failure is retried with the same key (after Retry-After when given, else after a
 * short back-off) until it is accepted or its deadline passes. Sends leave on a fixed schedule whatever the answers
 * take. One send in {@code batchEvery} is a batch of {@link #BATCH_SIZE} memories through {@code /v1/memories:batch},
 * whose refused items alone are sent again.
 */
public final class LedgerLoad {
    public static final int BATCH_SIZE = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI ingestUrl;
    private final String apiKey;
    private final String run;
    private final int users;
    private final int batchEvery;
    private final Duration deadline;
    private final Ledger ledger;
    /**
     * A loopback connect only times out when the machine stalls: 2 s met a 3-4 s stall of the whole 2-core machine
     * (25 processes of the --ha stack) as a Postgres replica restarted, two connect timeouts in 6,000 sends
     * (docs/reliability.md). 5 s is still far below a producer's usual 10 s.
     */
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /**
     * At most this many requests in flight, as in any producer's bounded connection pool (HTTP/1.1: one connection
     * per request in flight). Unbounded, a cold `--ha` start that answered in 5-15 s had this client open ~1,500
     * connections, after which it delivered no request for 51 s while both ingest instances and the balancer idled;
     * with this bound the same run had no connection failure (docs/reliability.md, "The stall explained"). A send
     * that waits for a slot is late, and its latency counts from its scheduled time.
     */
    static final int MAX_IN_FLIGHT = 256;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    /** Retries wait here for their delay and a slot, never on the common pool. */
    private final ExecutorService retries = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "ledger-retry");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param run        a prefix that makes this run's keys, users and contents unique
     * @param users      memories are spread over this many users ({@code <run>-u<i>})
     * @param batchEvery one send in this many is a batch (0: none)
     * @param deadline   how long one memory is retried before its producer gives up
     */
    public LedgerLoad(URI ingestUrl, String apiKey, String run, int users, int batchEvery, Duration deadline,
                      Ledger ledger) {
        this.ingestUrl = ingestUrl;
        this.apiKey = apiKey;
        this.run = run;
        this.users = users;
        this.batchEvery = batchEvery;
        this.deadline = deadline;
        this.ledger = ledger;
    }

    public String userId(int i) {
        return run + "-u" + (i % users);
    }

    public List<String> userIds() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            ids.add(userId(i));
        }
        return ids;
    }

    /** A stretch of the load at one rate (sends per second; one send in {@code batchEvery} is a batch). */
    public record Phase(double perSecond, Duration duration) {
        public Phase {
            if (perSecond <= 0 || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("a phase needs a positive rate and duration: " + perSecond + "/s "
                        + duration);
            }
        }
    }

    /** Sends at {@code perSecond} for {@code duration}, then waits until every memory is answered or given up. */
    public void run(double perSecond, Duration duration) throws InterruptedException {
        run(List.of(new Phase(perSecond, duration)));
    }

    /**
     * Sends through the phases one after the other (a rate profile, e.g. steady, a surge, steady again), each on its
     * own fixed schedule whatever the answers take, then waits until every memory is answered or given up.
     */
    public void run(List<Phase> phases) throws InterruptedException {
        long started = System.nanoTime();
        long phaseStart = started;
        long i = 0;
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Phase phase : phases) {
            long sends = (long) (phase.perSecond() * phase.duration().toMillis() / 1000.0);
            double interval = 1e9 / phase.perSecond();
            for (long n = 0; n < sends; n++, i++) {
                long scheduled = phaseStart + (long) (n * interval);
                long wait = scheduled - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                long due = System.nanoTime() + deadline.toNanos();
                all.add(batchEvery > 0 && i % batchEvery == batchEvery - 1 ? batch(i, due, scheduled)
                        : single(i, due, scheduled));
            }
            phaseStart += phase.duration().toNanos();
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    }

    private CompletableFuture<Void> single(long i, long due, long scheduled) {
        String key = run + "-" + i;
        String user = userId((int) i);
        String content = "chaos memory " + key;
        ObjectNode body = JSON.createObjectNode().put("occurredAt", "2026-11-01T09:30:00Z").put("content", content);
        body.putArray("tags").add("chaos");
        HttpRequest request = HttpRequest.newBuilder(ingestUrl.resolve("/v1/users/" + user + "/memories"))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .header("Idempotency-Key", key).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return send(request, due, scheduled).thenAccept(response -> {
            if (response != null) {
                ledger.accepted(key, user, read(response).get("memoryId").asText(), content);
            }
        });
    }

    private CompletableFuture<Void> batch(long i, long due, long scheduled) {
        List<String> keys = new ArrayList<>();
        for (int item = 0; item < BATCH_SIZE; item++) {
            keys.add(run + "-" + i + "-b" + item);
        }
        return sendBatch(keys, userId((int) i), due, scheduled);
    }

    /** Sends these items (the ones still owed) and, when some are refused with 429/503, those alone again. */
    private CompletableFuture<Void> sendBatch(List<String> keys, String user, long due, long sentAt) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode items = body.putArray("items");
        for (String key : keys) {
            ObjectNode item = items.addObject().put("userId", user).put("idempotencyKey", key)
                    .put("occurredAt", "2026-11-01T09:30:00Z").put("content", "chaos memory " + key);
            item.putArray("tags").add("chaos");
        }
        HttpRequest request = HttpRequest.newBuilder(ingestUrl.resolve("/v1/memories:batch"))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return send(request, due, sentAt).thenCompose(response -> {
            if (response == null) {
                return CompletableFuture.completedFuture(null);
            }
            List<String> again = new ArrayList<>();
            for (JsonNode result : read(response).path("results")) {
                String key = keys.get(result.get("index").asInt());
                int status = result.get("status").asInt();
                if (status / 100 == 2) {
                    ledger.accepted(key, user, result.get("memoryId").asText(), "chaos memory " + key);
                } else if (status == 429 || status == 503) {
                    again.add(key);
                } else {
                    throw new IllegalStateException("batch item " + key + " refused with " + status + ": "
                            + result.path("problem"));
                }
            }
            if (again.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            if (System.nanoTime() + 500_000_000L > due) {
                again.forEach(key -> ledger.gaveUp());
                return CompletableFuture.completedFuture(null);
            }
            return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS, retries))
                    .thenCompose(ignored -> sendBatch(again, user, due, System.nanoTime()));
        });
    }

    /**
     * The problem detail of a refusal (its title when it has none; a batch's: its first item's, marked so), or the
     * start of a body that is not JSON.
     */
    private static String detail(HttpResponse<String> response) {
        try {
            JsonNode body = JSON.readTree(response.body());
            JsonNode item = body.path("results").path(0).path("problem");
            JsonNode problem = item.isMissingNode() ? body : item;
            String detail = problem.path("detail").asText(problem.path("title").asText(""));
            return item.isMissingNode() ? detail : "batch: " + detail;
        } catch (java.io.IOException e) {
            return response.body().substring(0, Math.min(80, response.body().length())).strip();
        }
    }

    private static JsonNode read(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Sends until a 2xx, retrying 408, 429, 502, 503, 504 and connection failures with the same request (after Retry-After when
     * given); completes with the 2xx answer, with null when the deadline passed (given up), exceptionally on any
     * other answer (a 4xx/5xx a producer cannot retry is a defect under test). A 2xx's round trip is timed from
     * {@code sentAt}: the send's scheduled time for the first attempt, so a late send counts against the latency
     * (no coordinated omission).
     */
    private CompletableFuture<HttpResponse<String>> send(HttpRequest request, long due, long sentAt) {
        inFlight.acquireUninterruptibly();
        CompletableFuture<HttpResponse<String>> exchange;
        try {
            exchange = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        } catch (RuntimeException e) {
            inFlight.release();
            throw e;
        }
        return exchange.whenComplete((response, failure) -> inFlight.release()).handle((response, failure) -> {
            long retryMillis;
            if (failure != null) {
                ledger.connectionFailed(failure);
                retryMillis = 250;
            } else {
                int status = response.statusCode();
                ledger.answered(status);
                if (status / 100 == 2) {
                    ledger.acceptedIn(System.nanoTime() - sentAt);
                    return CompletableFuture.completedFuture(response);
                }
                ledger.refused(status, detail(response));
                // 502/504: a load balancer whose instance died under the request; 408: the balancer or Jetty gave
                // up waiting for the request (a connection it timed out as the request was sent); safe to resend
                // with the same key, as the README tells producers (and as MnemoClient does)
                if (status != 429 && status != 503 && status != 502 && status != 504 && status != 408) {
                    return CompletableFuture.<HttpResponse<String>>failedFuture(new IllegalStateException(
                            request.method() + " " + request.uri() + " answered " + status + ": " + response.body()));
                }
                var retryAfter = response.headers().firstValue("Retry-After");
                if (retryAfter.isEmpty() && (status == 429 || status == 503)) {
                    ledger.answeredWithoutRetryAfter();
                }
                retryMillis = Math.min(5_000, retryAfter.map(s -> Long.parseLong(s.trim()) * 1000).orElse(500L));
            }
            if (System.nanoTime() + retryMillis * 1_000_000 > due) {
                ledger.gaveUp();
                return CompletableFuture.<HttpResponse<String>>completedFuture(null);
            }
            return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(retryMillis, TimeUnit.MILLISECONDS, retries))
                    .thenCompose(ignored -> send(request, due, System.nanoTime()));
        }).thenCompose(next -> next);
    }
}
