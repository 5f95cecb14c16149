package io.mnemo.ingest.core;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.CompletableFuture;

/**
 * Fails fast while the log keeps failing: after repeated failed publishes the circuit opens and requests get
 * their 503 at once instead of each waiting out the publish timeout; a few trial writes close it again.
 */
public final class CircuitBreakingPublisher implements EventPublisher {
    private final EventPublisher delegate;
    private final CircuitBreaker breaker;

    public CircuitBreakingPublisher(EventPublisher delegate, CircuitBreaker breaker) {
        this.delegate = delegate;
        this.breaker = breaker;
    }

    @Override
    public CompletableFuture<LogPosition> publish(MemoryEvent event, Provenance provenance) {
        return breaker.executeCompletionStage(() -> delegate.publish(event, provenance)).toCompletableFuture();
    }
}
