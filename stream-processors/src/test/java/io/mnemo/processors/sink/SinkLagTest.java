package io.mnemo.processors.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class SinkLagTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private static final TopicPartition P0 = new TopicPartition("memory-changes", 0);
    private static final TopicPartition P1 = new TopicPartition("memory-changes", 1);

    private final SinkLag lag = new SinkLag(Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void readsNothingBeforeTheFirstPublication() {
        assertThat(lag.records()).isZero();
        assertThat(lag.seconds()).isZero();
    }

    @Test
    void readsZeroAtRestWhateverRecordsWerePolledBefore() {
        lag.polled(List.of(record(P0, 10, secondsAgo(30))));
        lag.publish(Set.of(P0, P1), Map.of(P0, OptionalLong.of(0), P1, OptionalLong.of(0)), List.of());

        assertThat(lag.records()).isZero();
        assertThat(lag.seconds()).isZero();
    }

    @Test
    void countsTheRecordsInHandAndTheConsumersLagAndAgesTheOldestInHand() {
        List<ConsumerRecord<String, String>> polled = List.of(record(P0, 10, secondsAgo(8)),
                record(P0, 11, secondsAgo(9)), record(P1, 4, secondsAgo(5)));
        lag.polled(polled);
        lag.publish(Set.of(P0, P1), Map.of(P0, OptionalLong.of(3), P1, OptionalLong.of(0)), polled);

        assertThat(lag.records()).isEqualTo(6);
        // not the first in poll order: timestamps need not follow offsets
        assertThat(lag.seconds()).isEqualTo(9.0);
    }

    @Test
    void agesRecordsStillToFetchByTheLastOnePolledFromTheirPartition() {
        lag.polled(List.of(record(P0, 10, secondsAgo(20)), record(P0, 11, secondsAgo(12))));
        lag.publish(Set.of(P0), Map.of(P0, OptionalLong.of(40)), List.of());

        assertThat(lag.records()).isEqualTo(40);
        assertThat(lag.seconds()).isEqualTo(12.0);
    }

    @Test
    void agesRecordsPutBackByTheOldestOfThem() {
        List<ConsumerRecord<String, String>> polled = List.of(record(P0, 10, secondsAgo(20)),
                record(P0, 11, secondsAgo(12)));
        lag.polled(polled);
        lag.putBack(polled);
        lag.publish(Set.of(P0), Map.of(P0, OptionalLong.of(2)), List.of());

        assertThat(lag.records()).isEqualTo(2);
        assertThat(lag.seconds()).isEqualTo(20.0);
    }

    @Test
    void countsAnUnknownLagAsNoneAndAPositionPastTheEndAsNone() {
        lag.polled(List.of(record(P0, 10, secondsAgo(20))));
        lag.publish(Set.of(P0, P1), Map.of(P0, OptionalLong.empty(), P1, OptionalLong.of(-2)), List.of());

        assertThat(lag.records()).isZero();
        assertThat(lag.seconds()).isZero();
    }

    @Test
    void forgetsPartitionsNoLongerAssigned() {
        lag.polled(List.of(record(P0, 10, secondsAgo(20))));
        lag.publish(Set.of(P1), Map.of(P1, OptionalLong.of(0)), List.of());
        // P0 comes back with records to fetch but none polled since: its old timestamp must not be used
        lag.publish(Set.of(P0), Map.of(P0, OptionalLong.of(5)), List.of());

        assertThat(lag.records()).isEqualTo(5);
        assertThat(lag.seconds()).isZero();
    }

    @Test
    void ignoresRecordsWithoutATimestamp() {
        List<ConsumerRecord<String, String>> polled = List.of(record(P0, 10, ConsumerRecord.NO_TIMESTAMP),
                record(P0, 11, secondsAgo(3)));
        lag.polled(polled);
        lag.publish(Set.of(P0), Map.of(P0, OptionalLong.of(0)), polled);

        assertThat(lag.records()).isEqualTo(2);
        assertThat(lag.seconds()).isEqualTo(3.0);
    }

    @Test
    void theAgeKeepsGrowingWhileNothingIsPublished() {
        MutableClock clock = new MutableClock(NOW);
        SinkLag stuck = new SinkLag(clock);
        List<ConsumerRecord<String, String>> polled = List.of(record(P0, 10, secondsAgo(1)));
        stuck.polled(polled);
        stuck.publish(Set.of(P0), Map.of(P0, OptionalLong.of(0)), polled);

        clock.now = NOW.plusSeconds(60);

        assertThat(stuck.seconds()).isEqualTo(61.0);
    }

    @Test
    void unwrittenRecordsStartAtEachPartitionsResumeOffset() {
        List<ConsumerRecord<String, String>> polled = List.of(record(P0, 10, 0), record(P1, 3, 0),
                record(P0, 11, 0), record(P1, 4, 0), record(P0, 12, 0));

        List<ConsumerRecord<String, String>> unwritten = PostgresProjectionSink.unwritten(polled, Map.of(P0, 11L));

        assertThat(unwritten).extracting(r -> r.partition() + "@" + r.offset())
                .containsExactly("1@3", "0@11", "1@4", "0@12");
    }

    private static long secondsAgo(long seconds) {
        return NOW.minusSeconds(seconds).toEpochMilli();
    }

    private static ConsumerRecord<String, String> record(TopicPartition partition, long offset, long timestamp) {
        return new ConsumerRecord<>(partition.topic(), partition.partition(), offset, timestamp,
                TimestampType.CREATE_TIME, 0, 0, "k", "v", new RecordHeaders(), java.util.Optional.empty());
    }

    private static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
