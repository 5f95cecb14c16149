package io.mnemo.ingest.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Turns producers' commands into events and reports them accepted only once the event log acknowledged them.
 */
public final class MemoryIngest {
    /** Earliest accepted occurredAt: older is almost certainly a unit or parsing mistake. */
    static final Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");
    /** How far into the future occurredAt may be (device clocks drift, time zones confuse). */
    static final Duration MAX_FUTURE = Duration.ofDays(1);

    private final EventPublisher publisher;
    private final Clock clock;
    private final Duration outcomeTimeout;
    private final Duration retryAfter;

    /**
     * @param outcomeTimeout how long to wait for the publisher's definitive outcome; the publisher is built to
     *                       settle every event sooner, so a timeout here is a safety net, not the normal path
     */
    public MemoryIngest(EventPublisher publisher, Clock clock, Duration outcomeTimeout, Duration retryAfter) {
        this.publisher = publisher;
        this.clock = clock;
        this.outcomeTimeout = outcomeTimeout;
        this.retryAfter = retryAfter;
    }

    /** What the producer gets back for an accepted memory. */
    public record Accepted(MemoryId memoryId, LogPosition position) {
    }

    public Accepted capture(CaptureMemory command) {
        Instant now = clock.instant();
        if (command.occurredAt().isBefore(EARLIEST)) {
            throw new InvalidInput("occurredAt", "must not be before 1900-01-01T00:00:00Z");
        }
        if (command.occurredAt().isAfter(now.plus(MAX_FUTURE))) {
            throw new InvalidInput("occurredAt", "must not be more than 1 day in the future");
        }
        MemoryId memoryId = command.idempotencyKey()
                .map(key -> DeterministicIds.memoryId(command.tenant(), command.user(), key))
                .orElseGet(() -> new MemoryId(UUID.randomUUID()));
        EventId eventId = command.idempotencyKey()
                .map(key -> DeterministicIds.eventId(command.tenant(), command.user(), key))
                .orElseGet(() -> new EventId(UUID.randomUUID()));
        MemoryCaptured event = new MemoryCaptured(eventId, command.tenant(), command.user(),
                now.truncatedTo(ChronoUnit.MICROS), memoryId, command.occurredAt().truncatedTo(ChronoUnit.MICROS),
                command.content(), command.tags(), command.attributes(), command.mediaIds(), command.idempotencyKey());
        return new Accepted(memoryId, awaitDurable(event));
    }

    private LogPosition awaitDurable(MemoryEvent event) {
        try {
            return publisher.publish(event).get(outcomeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IngestUnavailable("The event log did not acknowledge the write within " + outcomeTimeout,
                    retryAfter, e);
        } catch (ExecutionException e) {
            throw new IngestUnavailable("The event log refused the write: " + e.getCause().getClass().getSimpleName(),
                    retryAfter, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IngestUnavailable("Interrupted while waiting for the event log", retryAfter, e);
        }
    }
}
