package io.mnemo.ingest.core;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns producers' commands into events and reports them accepted only once the event log acknowledged them.
 * The number of events waiting for Kafka is bounded, so a slow or absent broker costs fast 503s, not memory.
 */
public final class MemoryIngest {
    /** Earliest accepted occurredAt: older is almost certainly a unit or parsing mistake. */
    static final Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");
    /** How far into the future occurredAt may be (device clocks drift, time zones confuse). */
    static final Duration MAX_FUTURE = Duration.ofDays(1);
    /** Content limit, in UTF-8 bytes. */
    public static final int MAX_CONTENT_BYTES = 64 * 1024;

    private final EventPublisher publisher;
    private final Clock clock;
    private final Duration outcomeTimeout;
    private final Duration retryAfter;
    private final Semaphore inFlight;
    private final MediaReferenceCheck media;
    private final UserKeys userKeys;
    /** Refusals since the last one logged, and when that was: one WARN a second says why producers get 503. */
    private final AtomicLong refusalsNotLogged = new AtomicLong();
    private final AtomicLong lastRefusalLogged = new AtomicLong(Long.MIN_VALUE);
    private static final Logger LOG = LoggerFactory.getLogger(MemoryIngest.class);

    /**
     * @param outcomeTimeout how long to wait for the publisher's definitive outcome; the publisher is built to
     *                       settle every event sooner, so a timeout here is a safety net, not the normal path
     * @param maxInFlight    events that may wait for the log at once, across all requests
     */
    /** For unit tests of everything but erasure: every user is writable and erasing deletes no key. */
    public MemoryIngest(EventPublisher publisher, Clock clock, Duration outcomeTimeout, Duration retryAfter,
                        int maxInFlight, MediaReferenceCheck media) {
        this(publisher, clock, outcomeTimeout, retryAfter, maxInFlight, media, new UserKeys() {
            @Override
            public void requireWritable(TenantId tenant, UserId user) {
            }

            @Override
            public void erase(TenantId tenant, UserId user) {
            }
        });
    }

    public MemoryIngest(EventPublisher publisher, Clock clock, Duration outcomeTimeout, Duration retryAfter,
                        int maxInFlight, MediaReferenceCheck media, UserKeys userKeys) {
        this.userKeys = userKeys;
        this.publisher = publisher;
        this.clock = clock;
        this.outcomeTimeout = outcomeTimeout;
        this.retryAfter = retryAfter;
        this.inFlight = new Semaphore(maxInFlight);
        this.media = media;
    }

    /** What the producer gets back for an accepted memory. */
    public record Accepted(MemoryId memoryId, LogPosition position) {
    }

    /**
     * Validates and appends one memory without holding the caller's thread while the log works: invalid input
     * ({@link InvalidInput}, ...) and {@link IngestOverloaded} are thrown at once; the future completes once the log
     * acknowledged the event, or fails with {@link IngestUnavailable} when it refused it or did not answer in time.
     * It completes on the publisher's (or the timeout's) thread: callers hand any real work to their own executor.
     */
    public CompletableFuture<Accepted> capture(CaptureMemory command, Provenance provenance) {
        MemoryCaptured event = captured(command);
        if (!inFlight.tryAcquire()) {
            throw overloaded();
        }
        MemoryId memoryId = event.memoryId();
        return acknowledged(publishHoldingPermit(event, provenance)).thenApply(position -> new Accepted(memoryId,
                position));
    }

    /**
     * Validates every item, hands all valid ones to the log at once (the producer batches them into few round
     * trips), then waits for all of them against one deadline. One outcome per item, in request order.
     */
    public List<ItemOutcome> captureBatch(List<BatchItem> items, Provenance provenance) {
        List<ItemOutcome> outcomes = new ArrayList<>(items.size());
        List<MemoryCaptured> events = new ArrayList<>(items.size());
        for (BatchItem item : items) {
            MemoryCaptured event = null;
            IngestException refused = item.invalid();
            if (refused == null) {
                try {
                    event = captured(item.command());
                } catch (IngestException e) {
                    // e.g. S3 unreachable for the media check of this item: its own result, not the batch's
                    refused = e;
                }
            }
            events.add(event);
            outcomes.add(refused == null ? null : new ItemOutcome(null, refused));
        }
        int valid = (int) events.stream().filter(e -> e != null).count();
        if (valid == 0) {
            return outcomes;
        }
        if (!inFlight.tryAcquire(valid)) {
            IngestOverloaded overloaded = overloaded();
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i) != null) {
                    outcomes.set(i, new ItemOutcome(null, overloaded));
                }
            }
            return outcomes;
        }
        List<CompletableFuture<LogPosition>> futures = new ArrayList<>(events.size());
        for (MemoryCaptured event : events) {
            futures.add(event == null ? null : publishHoldingPermit(event, provenance));
        }
        long deadline = System.nanoTime() + outcomeTimeout.toNanos();
        for (int i = 0; i < events.size(); i++) {
            MemoryCaptured event = events.get(i);
            if (event == null) {
                continue;
            }
            try {
                LogPosition position = await(futures.get(i), Math.max(0, deadline - System.nanoTime()));
                outcomes.set(i, new ItemOutcome(new Accepted(event.memoryId(), position), null));
            } catch (IngestUnavailable e) {
                outcomes.set(i, new ItemOutcome(null, e));
            }
        }
        return outcomes;
    }

    public Accepted revise(ReviseMemory command, Provenance provenance) {
        if (command.changesNothing()) {
            throw new InvalidInput("body", "name at least one of occurredAt, content, tags, attributes, mediaIds");
        }
        command.occurredAt().ifPresent(this::checkOccurredAt);
        command.content().ifPresent(MemoryIngest::checkContent);
        command.mediaIds().ifPresent(ids -> media.requireOwned(command.tenant(), command.user(), ids));
        EventId eventId = eventId(command.tenant(), command.user(), "revise:" + command.memoryId(),
                command.idempotencyKey());
        MemoryRevised event = new MemoryRevised(eventId, command.tenant(), command.user(), now(), command.memoryId(),
                command.occurredAt().map(MemoryIngest::micros), command.content(), command.tags(),
                command.attributes(), command.mediaIds(), command.idempotencyKey());
        return new Accepted(command.memoryId(), publishDurably(event, provenance));
    }

    public Accepted forget(ForgetMemory command, Provenance provenance) {
        EventId eventId = eventId(command.tenant(), command.user(), "forget:" + command.memoryId(),
                command.idempotencyKey());
        MemoryForgotten event = new MemoryForgotten(eventId, command.tenant(), command.user(), now(),
                command.memoryId(), command.idempotencyKey());
        return new Accepted(command.memoryId(), publishDurably(event, provenance));
    }

    /**
     * Deletes the user's data key first (from then on nothing of the user's content opens, in any topic, table or
     * backup), then publishes the erasure that removes the user's rows, media and aggregates.
     */
    public LogPosition erase(EraseUser command, Provenance provenance) {
        userKeys.erase(command.tenant(), command.user());
        EventId eventId = eventId(command.tenant(), command.user(), "erase", command.idempotencyKey());
        return publishDurably(new UserErased(eventId, command.tenant(), command.user(), now(),
                command.idempotencyKey()), provenance);
    }

    /**
     * Appends one event and waits until the log acknowledged it; {@link IngestUnavailable} when it did not in
     * time, {@link IngestOverloaded} when too many writes are already waiting. Shared by every kind of event.
     */
    public LogPosition publishDurably(MemoryEvent event, Provenance provenance) {
        if (!(event instanceof UserErased)) {
            userKeys.requireWritable(event.tenant(), event.user());
        }
        if (!inFlight.tryAcquire()) {
            throw overloaded();
        }
        return await(publishHoldingPermit(event, provenance), outcomeTimeout.toNanos());
    }

    private MemoryCaptured captured(CaptureMemory command) {
        userKeys.requireWritable(command.tenant(), command.user());
        checkOccurredAt(command.occurredAt());
        checkContent(command.content());
        media.requireOwned(command.tenant(), command.user(), command.mediaIds());
        MemoryId memoryId = command.idempotencyKey()
                .map(key -> DeterministicIds.memoryId(command.tenant(), command.user(), key))
                .orElseGet(() -> new MemoryId(UUID.randomUUID()));
        EventId eventId = command.idempotencyKey()
                .map(key -> DeterministicIds.eventId(command.tenant(), command.user(), key))
                .orElseGet(() -> new EventId(UUID.randomUUID()));
        return new MemoryCaptured(eventId, command.tenant(), command.user(), now(), memoryId,
                micros(command.occurredAt()), command.content(), command.tags(), command.attributes(),
                command.mediaIds(), command.idempotencyKey());
    }

    private void checkOccurredAt(Instant occurredAt) {
        if (occurredAt.isBefore(EARLIEST)) {
            throw new InvalidInput("occurredAt", "must not be before 1900-01-01T00:00:00Z");
        }
        if (occurredAt.isAfter(clock.instant().plus(MAX_FUTURE))) {
            throw new InvalidInput("occurredAt", "must not be more than 1 day in the future");
        }
    }

    private static void checkContent(String content) {
        if (content.getBytes(StandardCharsets.UTF_8).length > MAX_CONTENT_BYTES) {
            throw new InvalidInput("content", "must be at most 64 KiB in UTF-8");
        }
    }

    private static EventId eventId(TenantId tenant, UserId user, String operation, Optional<IdempotencyKey> key) {
        return key.map(k -> DeterministicIds.eventId(tenant, user, operation, k))
                .orElseGet(() -> new EventId(UUID.randomUUID()));
    }

    /** Publishes with a permit already taken; the permit is returned when the log has settled the event. */
    private CompletableFuture<LogPosition> publishHoldingPermit(MemoryEvent event, Provenance provenance) {
        CompletableFuture<LogPosition> future;
        try {
            future = publisher.publish(event, provenance);
        } catch (RuntimeException e) {
            inFlight.release();
            return CompletableFuture.failedFuture(e);
        }
        future.whenComplete((position, error) -> inFlight.release());
        return future;
    }

    /**
     * The publisher's outcome within {@code outcomeTimeout}, failures as {@link IngestUnavailable}. A copy carries
     * the timeout: a timeout must not complete the publisher's own future, whose completion returns the permit.
     */
    private CompletableFuture<LogPosition> acknowledged(CompletableFuture<LogPosition> published) {
        return published.copy().orTimeout(outcomeTimeout.toNanos(), TimeUnit.NANOSECONDS)
                .exceptionallyCompose(error -> CompletableFuture.failedFuture(unavailable(error)));
    }

    private IngestUnavailable unavailable(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        logRefusal(cause);
        if (cause instanceof TimeoutException) {
            return new IngestUnavailable("The event log did not acknowledge the write within " + outcomeTimeout,
                    retryAfter, cause);
        }
        return new IngestUnavailable("The event log refused the write: " + cause.getClass().getSimpleName(),
                retryAfter, cause);
    }

    /**
     * At most one WARN a second, with the cause (the producer's exception names the partition and what expired or
     * failed) and how many refusals it stands for; a 503 storm stays readable and cheap.
     */
    private void logRefusal(Throwable cause) {
        long refusals = refusalsNotLogged.incrementAndGet();
        long now = System.nanoTime();
        long last = lastRefusalLogged.get();
        if ((last == Long.MIN_VALUE || now - last >= 1_000_000_000L) && lastRefusalLogged.compareAndSet(last, now)) {
            refusalsNotLogged.addAndGet(-refusals);
            LOG.warn("The event log did not take {} write(s) since the last such warning (answered 503); latest: {}",
                    refusals, cause.toString());
        }
    }

    private LogPosition await(CompletableFuture<LogPosition> future, long timeoutNanos) {
        try {
            return future.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw unavailable(e);
        } catch (ExecutionException e) {
            throw unavailable(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IngestUnavailable("Interrupted while waiting for the event log", retryAfter, e);
        }
    }

    private IngestOverloaded overloaded() {
        return new IngestOverloaded("Too many writes are waiting for the event log", retryAfter);
    }

    private Instant now() {
        return micros(clock.instant());
    }

    private static Instant micros(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }
}
