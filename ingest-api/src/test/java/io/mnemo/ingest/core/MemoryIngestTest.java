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
        public CompletableFuture<LogPosition> publish(MemoryEvent event, Provenance provenance) {
            published.add(event);
            return outcome;
        }
    }

    private final FakePublisher publisher = new FakePublisher();
    private final MemoryIngest ingest = new MemoryIngest(publisher, Clock.fixed(NOW, ZoneOffset.UTC),
            Duration.ofMillis(50), Duration.ofSeconds(2), 100, MediaReferenceCheck.NO_MEDIA);

    private static CaptureMemory command(Instant occurredAt, String key) {
        return new CaptureMemory(TENANT, new UserId("alice"), occurredAt, "hello", List.of("t"), Map.of("k", "v"),
                List.of(), Optional.ofNullable(key).map(IdempotencyKey::new));
    }

    @Test
    void acceptsOnlyOnceTheLogAcknowledgedAndReportsThePosition() {
        MemoryIngest.Accepted accepted = ingest.capture(command(NOW.minusSeconds(60), null), Provenance.NONE).join();

        assertThat(accepted.position()).hasToString("3:42");
        assertThat(publisher.published).singleElement().isInstanceOfSatisfying(MemoryCaptured.class, event -> {
            assertThat(event.memoryId()).isEqualTo(accepted.memoryId());
            assertThat(event.recordedAt()).isEqualTo(NOW);
            assertThat(event.tenant()).isEqualTo(TENANT);
        });
    }

    @Test
    void theSameIdempotencyKeyGivesTheSameMemoryIdAndEventId() {
        ingest.capture(command(NOW, "key-1"), Provenance.NONE);
        ingest.capture(command(NOW, "key-1"), Provenance.NONE);
        ingest.capture(command(NOW, "key-2"), Provenance.NONE);

        MemoryCaptured first = (MemoryCaptured) publisher.published.get(0);
        MemoryCaptured retry = (MemoryCaptured) publisher.published.get(1);
        MemoryCaptured other = (MemoryCaptured) publisher.published.get(2);
        assertThat(retry.memoryId()).isEqualTo(first.memoryId());
        assertThat(retry.eventId()).isEqualTo(first.eventId());
        assertThat(other.memoryId()).isNotEqualTo(first.memoryId());
    }

    @Test
    void withoutAKeyEveryRequestIsANewMemory() {
        var a = ingest.capture(command(NOW, null), Provenance.NONE).join();
        var b = ingest.capture(command(NOW, null), Provenance.NONE).join();
        assertThat(a.memoryId()).isNotEqualTo(b.memoryId());
    }

    @Test
    void aLogThatDoesNotAnswerInTimeMeansUnavailableNotAccepted() {
        publisher.outcome = new CompletableFuture<>();

        assertThat(failure(ingest.capture(command(NOW, "k"), Provenance.NONE)))
                .isInstanceOfSatisfying(IngestUnavailable.class,
                        e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2)));
    }

    @Test
    void aCaptureIsAcceptedOnlyWhenTheLogAcknowledgesItNotBefore() {
        CompletableFuture<LogPosition> ack = new CompletableFuture<>();
        publisher.outcome = ack;
        MemoryIngest patient = new MemoryIngest(publisher, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofSeconds(30),
                Duration.ofSeconds(2), 100, MediaReferenceCheck.NO_MEDIA);

        CompletableFuture<MemoryIngest.Accepted> outcome = patient.capture(command(NOW, "k"), Provenance.NONE);

        assertThat(publisher.published).hasSize(1);
        assertThat(outcome).isNotDone();
        ack.complete(new LogPosition(5, 7));
        assertThat(outcome).isCompletedWithValueMatching(a -> a.position().toString().equals("5:7"));
    }

    @Test
    void aTimedOutCaptureKeepsItsPermitUntilTheLogSettlesTheEvent() {
        CompletableFuture<LogPosition> late = new CompletableFuture<>();
        publisher.outcome = late;
        MemoryIngest one = new MemoryIngest(publisher, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMillis(20),
                Duration.ofSeconds(2), 1, MediaReferenceCheck.NO_MEDIA);
        assertThat(failure(one.capture(command(NOW, "a"), Provenance.NONE))).isInstanceOf(IngestUnavailable.class);

        // the producer may still deliver the timed-out event: it still counts against the bound
        assertThatThrownBy(() -> one.capture(command(NOW, "b"), Provenance.NONE)).isInstanceOf(IngestOverloaded.class);
        assertThat(late).isNotDone();
        late.complete(new LogPosition(0, 1));
        publisher.outcome = CompletableFuture.completedFuture(new LogPosition(0, 2));
        assertThat(one.capture(command(NOW, "c"), Provenance.NONE).join().position()).hasToString("0:2");
    }

    /** The IngestException a capture's future failed with. */
    private static Throwable failure(CompletableFuture<?> outcome) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(outcome::join);
        assertThat(thrown).isInstanceOf(java.util.concurrent.CompletionException.class);
        return thrown.getCause();
    }

    @Test
    void aLogThatRefusesTheWriteMeansUnavailable() {
        publisher.outcome = CompletableFuture.failedFuture(new IllegalStateException("broker gone"));

        assertThat(failure(ingest.capture(command(NOW, "k"), Provenance.NONE))).isInstanceOf(IngestUnavailable.class);
    }

    @Test
    void refusesOccurredAtMoreThanADayAheadOrBefore1900() {
        assertThatThrownBy(() -> ingest.capture(command(NOW.plus(Duration.ofDays(1)).plusSeconds(1), null),
                Provenance.NONE))
                .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.field()).isEqualTo("occurredAt"));
        assertThatThrownBy(() -> ingest.capture(command(Instant.parse("1899-12-31T23:59:59Z"), null), Provenance.NONE))
                .isInstanceOf(InvalidInput.class);
        assertThat(publisher.published).isEmpty();
        ingest.capture(command(NOW.plus(Duration.ofDays(1)), null), Provenance.NONE);
        assertThat(publisher.published).hasSize(1);
    }

    @Test
    void aBatchGivesOneOutcomePerItemInOrderAndPublishesOnlyValidItems() {
        List<BatchItem> items = List.of(
                BatchItem.of(command(NOW, "a")),
                BatchItem.invalid(new InvalidInput("userId", "bad")),
                BatchItem.of(command(Instant.parse("1800-01-01T00:00:00Z"), "c")),
                BatchItem.of(command(NOW, "d")));

        List<ItemOutcome> outcomes = ingest.captureBatch(items, Provenance.NONE);

        assertThat(outcomes).extracting(ItemOutcome::isAccepted).containsExactly(true, false, false, true);
        assertThat(outcomes.get(2).refused()).isInstanceOf(InvalidInput.class);
        assertThat(publisher.published).hasSize(2);
    }

    @Test
    void aBatchWhoseWritesAreNotAcknowledgedReportsEveryValidItemUnavailable() {
        publisher.outcome = new CompletableFuture<>();

        List<ItemOutcome> outcomes = ingest.captureBatch(List.of(BatchItem.of(command(NOW, "a")),
                BatchItem.of(command(NOW, "b"))), Provenance.NONE);

        assertThat(outcomes).allSatisfy(o -> assertThat(o.refused()).isInstanceOf(IngestUnavailable.class));
    }

    @Test
    void refusesAtOnceWhenTooManyWritesAreWaitingAndRecoversWhenTheyAreSettled() {
        CompletableFuture<LogPosition> pending = new CompletableFuture<>();
        publisher.outcome = pending;
        MemoryIngest small = new MemoryIngest(publisher, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMillis(20),
                Duration.ofSeconds(2), 2, MediaReferenceCheck.NO_MEDIA);
        List<ItemOutcome> first = small.captureBatch(List.of(BatchItem.of(command(NOW, "a")),
                BatchItem.of(command(NOW, "b"))), Provenance.NONE);
        assertThat(first).allSatisfy(o -> assertThat(o.refused()).isInstanceOf(IngestUnavailable.class));

        // Both permits are still held by the unsettled writes: the next request is refused without publishing.
        int publishedBefore = publisher.published.size();
        assertThatThrownBy(() -> small.capture(command(NOW, "c"), Provenance.NONE)).isInstanceOf(IngestOverloaded.class);
        assertThat(publisher.published).hasSize(publishedBefore);

        pending.complete(new LogPosition(0, 1));
        publisher.outcome = CompletableFuture.completedFuture(new LogPosition(0, 2));
        assertThat(small.capture(command(NOW, "d"), Provenance.NONE).join().position()).hasToString("0:2");
    }

    @Test
    void contentIsLimitedTo64KibOfUtf8() {
        String justFits = "x".repeat(MemoryIngest.MAX_CONTENT_BYTES);
        String tooLong = "é".repeat(MemoryIngest.MAX_CONTENT_BYTES / 2 + 1);
        ingest.capture(new CaptureMemory(TENANT, new UserId("u"), NOW, justFits, List.of(), Map.of(), List.of(),
                Optional.empty()), Provenance.NONE);
        assertThatThrownBy(() -> ingest.capture(new CaptureMemory(TENANT, new UserId("u"), NOW, tooLong, List.of(),
                Map.of(), List.of(), Optional.empty()), Provenance.NONE))
                .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.field()).isEqualTo("content"));
    }

    @Test
    void aRevisionMustChangeSomethingAndKeepsTheMemoryId() {
        MemoryId memoryId = new MemoryId(java.util.UUID.randomUUID());
        assertThatThrownBy(() -> ingest.revise(new ReviseMemory(TENANT, new UserId("u"), memoryId, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()),
                Provenance.NONE)).isInstanceOf(InvalidInput.class);

        var accepted = ingest.revise(new ReviseMemory(TENANT, new UserId("u"), memoryId, Optional.empty(),
                Optional.of("new text"), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(new IdempotencyKey("rev-1"))), Provenance.NONE);
        assertThat(accepted.memoryId()).isEqualTo(memoryId);
        assertThat(publisher.published).singleElement().isInstanceOfSatisfying(MemoryRevised.class, e -> {
            assertThat(e.content()).hasValue("new text");
            assertThat(e.tags()).isEmpty();
        });
    }

    @Test
    void oneIdempotencyKeyUsedForDifferentOperationsGivesDifferentEventIds() {
        MemoryId memoryId = new MemoryId(java.util.UUID.randomUUID());
        var key = Optional.of(new IdempotencyKey("k"));
        ingest.forget(new ForgetMemory(TENANT, new UserId("u"), memoryId, key), Provenance.NONE);
        ingest.forget(new ForgetMemory(TENANT, new UserId("u"), memoryId, key), Provenance.NONE);
        ingest.erase(new EraseUser(TENANT, new UserId("u"), key), Provenance.NONE);

        assertThat(publisher.published.get(0).eventId()).isEqualTo(publisher.published.get(1).eventId());
        assertThat(publisher.published.get(2).eventId()).isNotEqualTo(publisher.published.get(0).eventId());
    }

    @Test
    void keepsOnlyWellFormedTraceparents() {
        String valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assertThat(Provenance.of(valid, "r").traceparent()).hasValue(valid);
        assertThat(Provenance.of("00-00000000000000000000000000000000-00f067aa0ba902b7-01", null).traceparent()).isEmpty();
        assertThat(Provenance.of("garbage", null).traceparent()).isEmpty();
        assertThat(Provenance.of(null, null).traceparent()).isEmpty();
    }
}
