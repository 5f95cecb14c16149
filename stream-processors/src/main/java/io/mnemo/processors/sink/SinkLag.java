package io.mnemo.processors.sink;

import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a sink is behind, as its lag gauges show it: the records it has still to apply and the age of the oldest
 * of them. The sink thread tells it what it polled and put back and {@linkplain #publish publishes} the figures;
 * gauges read them from any thread.
 *
 * <p>Records still to apply, per assigned partition, are the consumer's own lag (its read_committed end, the last
 * stable offset, minus its position: transaction markers and aborted records are not counted, and a consumer at
 * rest reads 0) plus the records polled but not yet written (the position is already past them). The age is that of
 * the oldest record in hand; for a partition with records still to fetch but none in hand it is estimated from the
 * record nearest the position: the last one polled from it (the ones to come were appended after it, so, timestamps
 * being non-decreasing in the usual case, this errs on the old side) or, after the sink put records back, the oldest
 * of those. Timestamps are the records' Kafka timestamps; the processors stamp a change with its event's, so the age
 * counts from when the event was recorded, not from when the processors published the change.
 */
final class SinkLag {
    /** No record pending, or none whose timestamp is known. */
    static final long NO_TIMESTAMP = Long.MAX_VALUE;

    /** What the gauges read: records still to apply, and the Kafka timestamp of the oldest (or NO_TIMESTAMP). */
    record Figures(long records, long oldestTimestamp) {
        static final Figures NONE = new Figures(0, NO_TIMESTAMP);
    }

    private final Clock clock;
    /** Sink thread only: per assigned partition, the timestamp of the record nearest the consumer's position. */
    private final Map<TopicPartition, Long> nearPosition = new HashMap<>();
    private volatile Figures published = Figures.NONE;

    SinkLag(Clock clock) {
        this.clock = clock;
    }

    /** Records a poll returned, in poll order. */
    void polled(List<? extends ConsumerRecord<?, ?>> records) {
        for (ConsumerRecord<?, ?> record : records) {
            if (record.timestamp() >= 0) {
                nearPosition.put(new TopicPartition(record.topic(), record.partition()), record.timestamp());
            }
        }
    }

    /** Records the sink put back ahead of the consumer's position (a failed or deferred write), in poll order. */
    void putBack(List<? extends ConsumerRecord<?, ?>> records) {
        Map<TopicPartition, Long> oldest = new HashMap<>();
        for (ConsumerRecord<?, ?> record : records) {
            if (record.timestamp() >= 0) {
                oldest.merge(new TopicPartition(record.topic(), record.partition()), record.timestamp(), Math::min);
            }
        }
        nearPosition.putAll(oldest);
    }

    /**
     * Publishes the figures for these assigned partitions, {@code consumerLag} being the consumer's lag on each
     * (empty while unknown: no position or no fetch response yet, counted as 0) and {@code inHand} the records polled
     * and not yet written.
     */
    void publish(Set<TopicPartition> assigned, Map<TopicPartition, OptionalLong> consumerLag,
                 Collection<? extends ConsumerRecord<?, ?>> inHand) {
        nearPosition.keySet().retainAll(assigned);
        published = figures(consumerLag, inHand, nearPosition);
    }

    /** The pure part of {@link #publish}. */
    static Figures figures(Map<TopicPartition, OptionalLong> consumerLag,
                           Collection<? extends ConsumerRecord<?, ?>> inHand, Map<TopicPartition, Long> nearPosition) {
        long records = inHand.size();
        long oldest = NO_TIMESTAMP;
        for (ConsumerRecord<?, ?> record : inHand) {
            // ConsumerRecord.NO_TIMESTAMP (-1): a record without one says nothing about age
            if (record.timestamp() >= 0) {
                oldest = Math.min(oldest, record.timestamp());
            }
        }
        for (Map.Entry<TopicPartition, OptionalLong> partition : consumerLag.entrySet()) {
            // A position past the end (a seek there) is not negative lag.
            long behind = Math.max(0, partition.getValue().orElse(0));
            records += behind;
            Long near = nearPosition.get(partition.getKey());
            if (behind > 0 && near != null) {
                oldest = Math.min(oldest, near);
            }
        }
        return records == 0 ? Figures.NONE : new Figures(records, oldest);
    }

    /** Records the sink has still to apply; 0 at rest. */
    long records() {
        return published.records();
    }

    /**
     * Age in seconds of the oldest record still to apply, counted at the time of reading, so it keeps growing while
     * the sink is stuck; 0 when nothing is pending (or no pending record's timestamp is known yet).
     */
    double seconds() {
        long oldest = published.oldestTimestamp();
        if (oldest == NO_TIMESTAMP) {
            return 0;
        }
        return Math.max(0, clock.millis() - oldest) / 1000.0;
    }
}
