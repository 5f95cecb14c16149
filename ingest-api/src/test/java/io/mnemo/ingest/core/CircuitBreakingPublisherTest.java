package io.mnemo.ingest.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CircuitBreakingPublisherTest {
    private static final MemoryEvent EVENT = new MemoryCaptured(new EventId(UUID.randomUUID()), new TenantId("t"),
            new UserId("u"), Instant.EPOCH, new MemoryId(UUID.randomUUID()), Instant.EPOCH, "c", List.of(), Map.of(),
            List.of(), Optional.empty());

    @Test
    void failsFastWithoutCallingKafkaOnceRepeatedPublishesFailed() {
        AtomicInteger calls = new AtomicInteger();
        EventPublisher failing = (event, provenance) -> {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException("broker down"));
        };
        CircuitBreaker breaker = CircuitBreaker.of("test", CircuitBreakerConfig.custom().slidingWindowSize(10)
                .minimumNumberOfCalls(10).failureRateThreshold(50).waitDurationInOpenState(Duration.ofMinutes(1))
                .build());
        CircuitBreakingPublisher publisher = new CircuitBreakingPublisher(failing, breaker);

        for (int i = 0; i < 10; i++) {
            assertThat(publisher.publish(EVENT, Provenance.NONE)).isCompletedExceptionally();
        }
        CompletableFuture<LogPosition> fastFailure = publisher.publish(EVENT, Provenance.NONE);

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(calls).hasValue(10);
        assertThat(fastFailure).failsWithin(Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(CallNotPermittedException.class);
    }
}
