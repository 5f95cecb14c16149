package io.mnemo.query.kafka;

import io.mnemo.query.core.EventLogEnds;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log's end offsets, from Kafka's {@code ListOffsets} (latest), cached. An end only grows, so a cached
 * end is a lower bound of the real one: a position below it is answered from the cache, without asking Kafka.
 * Only a position at or past the cached end makes one {@code ListOffsets} of every partition, started after the
 * request arrived (requests that arrive together share it). When Kafka does not answer within
 * {@code readTimeout} the check is skipped (fail open: the read waits for its position as before) and Kafka is
 * not asked again for {@code retryAfter}, so an outage of Kafka costs reads nothing but the check.
 */
public final class KafkaEventLogEnds implements EventLogEnds {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventLogEnds.class);

    /** Reads every partition's end offset; throws when it cannot. */
    @FunctionalInterface
    public interface EndReader {
        long[] read() throws Exception;
    }

    private record Ends(long readStartedNanos, long[] offsets) {
    }

    private final int partitions;
    private final EndReader reader;
    private final Duration retryAfter;
    private volatile Ends last;
    private long lastFailureNanos;
    private boolean failed;

    public KafkaEventLogEnds(int partitions, EndReader reader, Duration retryAfter) {
        this.partitions = partitions;
        this.reader = reader;
        this.retryAfter = retryAfter;
    }

    /** Ends read from the topic with the admin client, each read bounded by {@code readTimeout}. */
    public static KafkaEventLogEnds of(Admin admin, String topic, int partitions, Duration readTimeout,
                                       Duration retryAfter) {
        return new KafkaEventLogEnds(partitions, () -> {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                request.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> answer = admin.listOffsets(request).all()
                    .get(readTimeout.toMillis(), TimeUnit.MILLISECONDS);
            long[] ends = new long[partitions];
            for (int p = 0; p < partitions; p++) {
                ends[p] = answer.get(new TopicPartition(topic, p)).offset();
            }
            return ends;
        }, retryAfter);
    }

    @Override
    public int partitions() {
        return partitions;
    }

    @Override
    public OptionalLong endBeyond(int partition, long offset) {
        Ends known = last;
        if (known != null && offset < known.offsets()[partition]) {
            return OptionalLong.of(known.offsets()[partition]);
        }
        long asked = System.nanoTime();
        synchronized (this) {
            known = last;
            if (known != null && known.readStartedNanos() - asked >= 0) {
                // another request read the ends after this one arrived: as fresh as a read of our own
                return OptionalLong.of(known.offsets()[partition]);
            }
            if (failed && System.nanoTime() - lastFailureNanos < retryAfter.toNanos()) {
                return OptionalLong.empty();
            }
            long started = System.nanoTime();
            try {
                long[] ends = reader.read();
                last = new Ends(started, ends);
                failed = false;
                return OptionalLong.of(ends[partition]);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return OptionalLong.empty();
            } catch (Exception e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                LOG.warn("Cannot read the event log's end offsets ({}): positions are not checked against the log "
                        + "end for {}", cause instanceof TimeoutException ? "no answer in time" : cause.toString(),
                        retryAfter);
                failed = true;
                lastFailureNanos = System.nanoTime();
                return OptionalLong.empty();
            }
        }
    }
}
