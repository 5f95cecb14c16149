package io.mnemo.processors.sink;

import io.dropwizard.lifecycle.Managed;
import io.mnemo.kit.tracing.TraceHeaders;
import io.mnemo.kit.tracing.Tracing;
import io.mnemo.processors.db.ProjectionOffsets;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An idempotent consumer: writes each polled batch and the batch's next offsets in ONE Postgres transaction,
 * and on (re)assignment resumes from the offsets stored in Postgres, not from Kafka's committed offsets.
 * A crash at any point therefore re-delivers at most the uncommitted batch, which the writer's version guard
 * makes harmless. Kafka offsets are committed afterwards only so that lag shows in the usual tools.
 */
public final class PostgresProjectionSink<V> implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresProjectionSink.class);

    private final Consumer<String, V> consumer;
    private final String topic;
    private final Jdbi jdbi;
    private final ProjectionWriter<V> writer;
    private final Duration pollTimeout;
    private final Duration maxBackoff;
    private final PoisonRecords<V> poison;
    private final ProjectionBatchApplier<V> applier;
    private final SinkConnection connection;
    private final String threadSuffix;
    private final Tracing tracing;
    private static final long INITIAL_BACKOFF_MILLIS = 100;
    /** After this long writing one poll's records, the rest are left for the next poll. */
    static final Duration POLL_WORK_BUDGET = Duration.ofSeconds(30);

    private final AtomicLong writtenRecords = new AtomicLong();
    /** Batches written and the time they took (a transaction each: rows, offsets, watermark), for the batch timer. */
    private final AtomicLong writtenBatches = new AtomicLong();
    private final AtomicLong batchNanos = new AtomicLong();
    private final SinkLag lag = new SinkLag(Clock.systemUTC());
    /** Touched only by the sink thread (the rebalance listener runs inside poll). */
    private final Set<TopicPartition> pendingRewind = new HashSet<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private volatile boolean healthy = true;
    private Thread thread;

    /**
     * Where records go that can never be written ({@link FailureKind#PERMANENT}: Postgres refuses their data, they
     * cannot be decoded, the writer cannot handle them). Without one, such a record is retried like a transient
     * failure and stops its partition until someone intervenes.
     */
    public interface PoisonRecords<V> {
        /** Must return only once the record is durably elsewhere (the dead-letter topic); throws otherwise. */
        void deadLetter(ConsumerRecord<String, V> record, Throwable reason);

        /** The same for a record that cannot even be decoded: its raw bytes (either may be null). */
        void deadLetterUnreadable(String topic, int partition, long offset, byte[] key, byte[] value,
                                  Throwable reason);
    }

    private final AtomicLong deadLettered = new AtomicLong();

    public PostgresProjectionSink(Consumer<String, V> consumer, String topic, Jdbi jdbi, ProjectionWriter<V> writer,
                                  Duration pollTimeout, Duration maxBackoff) {
        this(consumer, topic, jdbi, writer, pollTimeout, maxBackoff, null);
    }

    public PostgresProjectionSink(Consumer<String, V> consumer, String topic, Jdbi jdbi, ProjectionWriter<V> writer,
                                  Duration pollTimeout, Duration maxBackoff, PoisonRecords<V> poison) {
        this(consumer, topic, jdbi, writer, pollTimeout, maxBackoff, poison, "");
    }

    /** {@code threadSuffix} tells apart several writers of one projection in a process ({@code sink-memories-2}). */
    public PostgresProjectionSink(Consumer<String, V> consumer, String topic, Jdbi jdbi, ProjectionWriter<V> writer,
                                  Duration pollTimeout, Duration maxBackoff, PoisonRecords<V> poison,
                                  String threadSuffix) {
        this(consumer, topic, jdbi, writer, pollTimeout, maxBackoff, poison, threadSuffix, Tracing.off());
    }

    /** {@code tracing}: a span per applied batch ({@code mnemo.sink.<projection>}) linked to its records' traces. */
    public PostgresProjectionSink(Consumer<String, V> consumer, String topic, Jdbi jdbi, ProjectionWriter<V> writer,
                                  Duration pollTimeout, Duration maxBackoff, PoisonRecords<V> poison,
                                  String threadSuffix, Tracing tracing) {
        this.tracing = tracing;
        this.threadSuffix = threadSuffix;
        this.poison = poison;
        this.connection = new SinkConnection(jdbi);
        this.applier = new ProjectionBatchApplier<>(connection, writer, topic, true, true,
                poison == null ? null : poison::deadLetter);
        this.consumer = consumer;
        this.topic = topic;
        this.jdbi = jdbi;
        this.writer = writer;
        this.pollTimeout = pollTimeout;
        this.maxBackoff = maxBackoff;
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::run, "sink-" + writer.projection() + threadSuffix);
        thread.start();
    }

    @Override
    public void stop() throws InterruptedException {
        running = false;
        consumer.wakeup();
        if (!stopped.await(30, TimeUnit.SECONDS)) {
            LOG.warn("Sink {} did not stop within 30 s", writer.projection());
        }
    }

    /** Batches this instance has written, each in one transaction. */
    public long writtenBatches() {
        return writtenBatches.get();
    }

    /** Total time spent writing those batches, in nanoseconds. */
    public long batchNanos() {
        return batchNanos.get();
    }

    /** Records this instance has written (including ones the version guard turned into no-ops). */
    public long writtenRecords() {
        return writtenRecords.get();
    }

    /** Records this instance sent to the dead-letter topic because Postgres refused their data. */
    public long deadLetteredRecords() {
        return deadLettered.get();
    }

    /**
     * Records this instance has still to apply from its assigned partitions (transaction markers and aborted records
     * not counted): 0 at rest. Updated by the sink thread after each poll and each write.
     */
    public long lagRecords() {
        return lag.records();
    }

    /** Age in seconds of the oldest record this instance has still to apply; 0 when none is pending. */
    public double lagSeconds() {
        return lag.seconds();
    }

    /** False while the last write attempt failed and is being retried. */
    public boolean isHealthy() {
        return healthy && (thread == null || thread.isAlive());
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new ResumeFromStoredOffsets());
            long backoffMillis = INITIAL_BACKOFF_MILLIS;
            while (running) {
                try {
                    publishLag(List.of());
                    rewindPendingPartitions();
                    ConsumerRecords<String, V> records = consumer.poll(pollTimeout);
                    if (!records.isEmpty()) {
                        writeOrSeekBack(records);
                    }
                    healthy = true;
                    backoffMillis = INITIAL_BACKOFF_MILLIS;
                } catch (WakeupException e) {
                    throw e;
                } catch (RecordDeserializationException e) {
                    if (poison != null && FailureKind.of(e) == FailureKind.PERMANENT) {
                        skipUnreadable(e);
                        continue;
                    }
                    healthy = false;
                    LOG.warn("Sink {} cannot read {}-{}@{} yet ({}); retrying in {} ms", writer.projection(),
                            e.topicPartition().topic(), e.topicPartition().partition(), e.offset(), rootCause(e),
                            backoffMillis);
                    TimeUnit.MILLISECONDS.sleep(backoffMillis);
                    backoffMillis = Math.min(backoffMillis * 2, maxBackoff.toMillis());
                } catch (RuntimeException e) {
                    // Postgres unreachable, a serialization failure or deadlock, a record the registry cannot
                    // resolve yet: nothing was committed, the consumer is positioned at the first record not
                    // written, so waiting and polling again is always safe. The loop never gives up on its own.
                    healthy = false;
                    LOG.warn("Sink {} cannot make progress ({}); retrying in {} ms", writer.projection(),
                            rootCause(e), backoffMillis);
                    TimeUnit.MILLISECONDS.sleep(backoffMillis);
                    backoffMillis = Math.min(backoffMillis * 2, maxBackoff.toMillis());
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("Sink {} woken up unexpectedly", writer.projection(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            healthy = false;
            LOG.error("Sink {} stopped on an unexpected error", writer.projection(), e);
        } finally {
            connection.close();
            try {
                // Leave the group even as a static member: a successor must not wait a session timeout for this one.
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5))
                        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            } catch (RuntimeException e) {
                LOG.warn("Closing the consumer of sink {} failed", writer.projection(), e);
            }
            stopped.countDown();
        }
    }

    /**
     * Writes the polled records through the applier (records that can never be written are dead-lettered), in one
     * transaction, or in several in order when the writer bounds its {@linkplain ProjectionWriter#isCostly costly}
     * records per transaction. On a transient failure, and when the transactions of one poll have taken longer than
     * {@link #POLL_WORK_BUDGET} (the consumer must poll again well within max.poll.interval.ms), each partition is put
     * back at its first unwritten record, without asking the (possibly failing) database: records are written in
     * order, so that is exactly what is stored in Postgres.
     */
    private void writeOrSeekBack(ConsumerRecords<String, V> records) {
        List<ConsumerRecord<String, V>> polled = new ArrayList<>(records.count());
        records.forEach(polled::add);
        lag.polled(polled);
        publishLag(polled);
        long started = System.nanoTime();
        Map<TopicPartition, OffsetAndMetadata> written = new HashMap<>();
        int from = 0;
        try {
            while (from < polled.size()) {
                int to = endOfTransaction(writer, polled, from);
                List<ConsumerRecord<String, V>> batch = polled.subList(from, to);
                int refused;
                long batchStarted = System.nanoTime();
                // Only when tracing is on are the records' headers read: this is the hot path.
                Span span = tracing.enabled() ? batchSpan(batch) : Span.getInvalid();
                try {
                    refused = applier.apply(batch);
                    span.setAttribute("mnemo.sink.refused", (long) refused);
                } catch (ProjectionBatchApplier.Interrupted e) {
                    span.recordException(e.getCause());
                    span.setStatus(StatusCode.ERROR);
                    seekBack(polled.subList(to, polled.size()));
                    e.resumeAt().forEach(consumer::seek);
                    lag.putBack(unwritten(polled.subList(from, polled.size()), e.resumeAt()));
                    throw e.getCause();
                } finally {
                    span.end();
                }
                batchNanos.addAndGet(System.nanoTime() - batchStarted);
                writtenBatches.incrementAndGet();
                deadLettered.addAndGet(refused);
                writtenRecords.addAndGet(batch.size() - refused);
                batch.forEach(r -> written.put(new TopicPartition(r.topic(), r.partition()),
                        new OffsetAndMetadata(r.offset() + 1)));
                from = to;
                if (from < polled.size() && System.nanoTime() - started > POLL_WORK_BUDGET.toNanos()) {
                    seekBack(polled.subList(from, polled.size()));
                    lag.putBack(polled.subList(from, polled.size()));
                    break;
                }
                publishLag(polled.subList(from, polled.size()));
            }
        } finally {
            if (!written.isEmpty()) {
                // Only for lag tooling: the offsets of record are the ones stored with the rows.
                consumer.commitAsync(written, null);
            }
        }
    }

    /** The end (exclusive) of the transaction that starts at {@code from}: it holds at most the writer's costly records. */
    private Span batchSpan(List<ConsumerRecord<String, V>> batch) {
        List<String> traceparents = new ArrayList<>(batch.size());
        for (ConsumerRecord<String, V> record : batch) {
            String traceparent = TraceHeaders.traceparent(record.headers());
            if (traceparent != null) {
                traceparents.add(traceparent);
            }
        }
        Span span = tracing.startBatch("mnemo.sink." + writer.projection(), traceparents);
        span.setAttribute("messaging.destination.name", topic);
        span.setAttribute("mnemo.sink.records", (long) batch.size());
        return span;
    }

    static <V> int endOfTransaction(ProjectionWriter<V> writer, List<ConsumerRecord<String, V>> polled, int from) {
        int costly = 0;
        int limit = writer.maxCostlyPerTransaction();
        for (int i = from; i < polled.size(); i++) {
            if (writer.isCostly(polled.get(i).value()) && ++costly > limit) {
                return i;
            }
        }
        return polled.size();
    }

    /** The records from {@code resumeAt} on (per partition; all of a partition it does not name), in poll order. */
    static <V> List<ConsumerRecord<String, V>> unwritten(List<ConsumerRecord<String, V>> records,
                                                        Map<TopicPartition, Long> resumeAt) {
        List<ConsumerRecord<String, V>> unwritten = new ArrayList<>();
        for (ConsumerRecord<String, V> record : records) {
            Long from = resumeAt.get(new TopicPartition(record.topic(), record.partition()));
            if (from == null || record.offset() >= from) {
                unwritten.add(record);
            }
        }
        return unwritten;
    }

    /**
     * Publishes the lag gauges' figures: the consumer's lag on each assigned partition (local, from the last fetch
     * responses' last stable offsets: no round trip) plus the records in hand, not yet written.
     */
    private void publishLag(List<ConsumerRecord<String, V>> inHand) {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OptionalLong> consumerLag = new HashMap<>();
        for (TopicPartition partition : assigned) {
            consumerLag.put(partition, consumer.currentLag(partition));
        }
        lag.publish(assigned, consumerLag, inHand);
    }

    /** Puts each partition of these (unwritten, in poll order) records back at its first one. */
    private void seekBack(List<ConsumerRecord<String, V>> unwritten) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<String, V> record : unwritten) {
            first.putIfAbsent(new TopicPartition(record.topic(), record.partition()), record.offset());
        }
        first.forEach(consumer::seek);
    }

    /**
     * A record that can never be decoded: its bytes go to the dead-letter topic, its offset is stored as written
     * (in Postgres, like any batch's) and the consumer moves past it.
     */
    private void skipUnreadable(RecordDeserializationException e) {
        TopicPartition partition = e.topicPartition();
        LOG.error("Sink {} dead-letters unreadable {}-{}@{} ({})", writer.projection(), partition.topic(),
                partition.partition(), e.offset(), rootCause(e));
        poison.deadLetterUnreadable(partition.topic(), partition.partition(), e.offset(), bytes(e.keyBuffer()),
                bytes(e.valueBuffer()), e);
        applier.passOver(partition.partition(), e.offset());
        deadLettered.incrementAndGet();
        consumer.seek(partition, e.offset() + 1);
    }

    private static byte[] bytes(java.nio.ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /** Partitions assigned while Postgres could not tell their stored offsets stay paused until it can. */
    private void rewindPendingPartitions() {
        if (pendingRewind.isEmpty()) {
            return;
        }
        pendingRewind.retainAll(consumer.assignment());
        rewind(pendingRewind);
        consumer.resume(pendingRewind);
        LOG.info("Sink {} resumed {} paused partition(s) from stored offsets", writer.projection(),
                pendingRewind.size());
        pendingRewind.clear();
    }

    /** Seeks every given partition to the offset stored with the projection (the beginning when none is). */
    private void rewind(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<Integer, Long> stored = jdbi.withHandle(h -> ProjectionOffsets.load(h, writer.projection(), topic));
        List<TopicPartition> fromStart = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            Long next = stored.get(partition.partition());
            if (next == null) {
                fromStart.add(partition);
            } else {
                consumer.seek(partition, next);
            }
        }
        if (!fromStart.isEmpty()) {
            consumer.seekToBeginning(fromStart);
        }
    }

    private final class ResumeFromStoredOffsets implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            try {
                rewind(partitions);
                LOG.info("Sink {} resumed {} partition(s) from stored offsets", writer.projection(), partitions.size());
            } catch (RuntimeException e) {
                // Never consume a partition from an unknown position: pause it until Postgres answers.
                consumer.pause(partitions);
                pendingRewind.addAll(partitions);
                LOG.warn("Sink {} cannot read stored offsets ({}); {} partition(s) paused", writer.projection(),
                        rootCause(e), partitions.size());
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Batches are written synchronously inside the poll loop, so nothing is in flight here.
            pendingRewind.removeAll(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            pendingRewind.removeAll(partitions);
        }
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String state = cause instanceof SQLException sql ? " SQLState " + sql.getSQLState() : "";
        return cause.getClass().getSimpleName() + state + ": " + cause.getMessage();
    }
}
