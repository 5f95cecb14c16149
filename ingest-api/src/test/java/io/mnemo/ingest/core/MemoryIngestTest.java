package io.mnemo.ingest.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class MemoryIngestTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final TenantId TENANT = new TenantId("acme");

    /** Records what was published and answers with the configured outcome. */
    static final class FakePublisher implements EventPublisher {
        final List<MemoryEvent> published = new ArrayList<>();
        CompletableFuture<LogPosition> outcome = CompletableFuture.completedFuture(new LogPosition(3, 42));

        @Override
        public CompletableFuture<LogPosition> publish(MemoryEvent event) {
            published.add(event);
            return outcome;
        }
    }

    private final FakePublisher publisher = new FakePublisher();
    private final MemoryIngest ingest = new MemoryIngest(publisher, Clock.fixed(NOW, ZoneOffset.UTC),
            Duration.ofMillis(50), Duration.ofSeconds(2));

    private static CaptureMemory command(Instant occurredAt, String key) {
        return new CaptureMemory(TENANT, new UserId("alice"), occurredAt, "hello", List.of("t"), Map.of("k", "v"),
                List.of(), Optional.ofNullable(key).map(IdempotencyKey::new));
    }

    @Test
    void acceptsOnlyOnceTheLogAcknowledgedAndReportsThePosition() {
        MemoryIngest.Accepted accepted = ingest.capture(command(NOW.minusSeconds(60), null));

        assertThat(accepted.position()).hasToString("3:42");
        assertThat(publisher.published).singleElement().isInstanceOfSatisfying(MemoryCaptured.class, event -> {
            assertThat(event.memoryId()).isEqualTo(accepted.memoryId());
            assertThat(event.recordedAt()).isEqualTo(NOW);
            assertThat(event.tenant()).isEqualTo(TENANT);
        });
    }

    @Test
    void theSameIdempotencyKeyGivesTheSameMemoryIdAndEventId() {
        ingest.capture(command(NOW, "key-1"));
        ingest.capture(command(NOW, "key-1"));
        ingest.capture(command(NOW, "key-2"));

        MemoryCaptured first = (MemoryCaptured) publisher.published.get(0);
        MemoryCaptured retry = (MemoryCaptured) publisher.published.get(1);
        MemoryCaptured other = (MemoryCaptured) publisher.published.get(2);
        assertThat(retry.memoryId()).isEqualTo(first.memoryId());
        assertThat(retry.eventId()).isEqualTo(first.eventId());
        assertThat(other.memoryId()).isNotEqualTo(first.memoryId());
    }

    @Test
    void withoutAKeyEveryRequestIsANewMemory() {
        var a = ingest.capture(command(NOW, null));
        var b = ingest.capture(command(NOW, null));
        assertThat(a.memoryId()).isNotEqualTo(b.memoryId());
    }

    @Test
    void aLogThatDoesNotAnswerInTimeMeansUnavailableNotAccepted() {
        publisher.outcome = new CompletableFuture<>();

        assertThatThrownBy(() -> ingest.capture(command(NOW, "k")))
                .isInstanceOfSatisfying(IngestUnavailable.class,
                        e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2)));
    }

    @Test
    void aLogThatRefusesTheWriteMeansUnavailable() {
        publisher.outcome = CompletableFuture.failedFuture(new IllegalStateException("broker gone"));

        assertThatThrownBy(() -> ingest.capture(command(NOW, "k"))).isInstanceOf(IngestUnavailable.class);
    }

    @Test
    void refusesOccurredAtMoreThanADayAheadOrBefore1900() {
        assertThatThrownBy(() -> ingest.capture(command(NOW.plus(Duration.ofDays(1)).plusSeconds(1), null)))
                .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.field()).isEqualTo("occurredAt"));
        assertThatThrownBy(() -> ingest.capture(command(Instant.parse("1899-12-31T23:59:59Z"), null)))
                .isInstanceOf(InvalidInput.class);
        assertThat(publisher.published).isEmpty();
        ingest.capture(command(NOW.plus(Duration.ofDays(1)), null));
        assertThat(publisher.published).hasSize(1);
    }
}
