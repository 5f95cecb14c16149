package io.mnemo.processors.sink;

import io.mnemo.processors.db.ProjectionFence;
import io.mnemo.processors.db.ProjectionOffsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.HandleConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a batch of records to a projection: rows, and (when the projection keeps them) the batch's next offsets,
 * in ONE transaction, behind the projection's write fence when asked. A record that can never be written
 * ({@link FailureKind#PERMANENT}) is found by applying the batch one record at a time; it is handed to
 * {@link Refused} and its offset alone is stored, and the others are applied. A transient failure is thrown as
 * {@link Interrupted}, which says where each partition must resume. The live sink, {@code mnemo replay} and
 * {@code mnemo rebuild} all write through this one class.
 */
public final class ProjectionBatchApplier<V> {
    private static final Logger LOG = LoggerFactory.getLogger(ProjectionBatchApplier.class);

    /** Runs one transaction (Jdbi's or one connection's {@code useTransaction}). */
    @FunctionalInterface
    public interface Transactions {
        void run(HandleConsumer<RuntimeException> work);
    }

    /** Takes a record that can never be written; must return only once it is durably recorded elsewhere. */
    @FunctionalInterface
    public interface Refused<V> {
        void refused(ConsumerRecord<String, V> record, Throwable reason);
    }

    /** A transient failure: nothing from {@code resumeAt} on was written; retry from there. */
    public static final class Interrupted extends RuntimeException {
        private final transient Map<TopicPartition, Long> resumeAt;

        Interrupted(Map<TopicPartition, Long> resumeAt, RuntimeException cause) {
            super(cause.getMessage(), cause);
            this.resumeAt = Map.copyOf(resumeAt);
        }

        /** Per partition, the first offset that was not written. */
        public Map<TopicPartition, Long> resumeAt() {
            return resumeAt;
        }

        @Override
        public synchronized RuntimeException getCause() {
            return (RuntimeException) super.getCause();
        }
    }

    private final Transactions transactions;
    private final ProjectionWriter<V> writer;
    private final String topic;
    private final boolean fenced;
    private final boolean storesOffsets;
    private final Refused<V> refused;

    /**
     * @param fenced        take the projection's shared write fence first (writes into a live projection)
     * @param storesOffsets store the batch's next offsets in the same transaction (sinks and rebuild copies;
     *                      a replay re-applies a window and must not move the sink's position)
     * @param refused       where records that can never be written go; null: they fail like transient ones
     */
    public ProjectionBatchApplier(Transactions transactions, ProjectionWriter<V> writer, String topic, boolean fenced,
                                  boolean storesOffsets, Refused<V> refused) {
        this.transactions = transactions;
        this.writer = writer;
        this.topic = topic;
        this.fenced = fenced;
        this.storesOffsets = storesOffsets;
        this.refused = refused;
    }

    public String projection() {
        return writer.projection();
    }

    /** Applies the batch; returns how many records were refused. Throws {@link Interrupted} on a transient failure. */
    public int apply(List<ConsumerRecord<String, V>> batch) {
        if (batch.isEmpty()) {
            return 0;
        }
        try {
            applyTogether(batch);
            return 0;
        } catch (RuntimeException e) {
            if (refused == null || FailureKind.of(e) == FailureKind.TRANSIENT) {
                throw new Interrupted(firstOffsets(batch), e);
            }
            return applyOneByOne(batch);
        }
    }

    private int applyOneByOne(List<ConsumerRecord<String, V>> batch) {
        Map<TopicPartition, Long> firstUnwritten = firstOffsets(batch);
        int refusedRecords = 0;
        try {
            for (ConsumerRecord<String, V> record : batch) {
                try {
                    applyTogether(List.of(record));
                } catch (RuntimeException e) {
                    if (FailureKind.of(e) == FailureKind.TRANSIENT) {
                        throw e;
                    }
                    LOG.error("Projection {}: {}-{}@{} can never be written ({}); refusing it", writer.projection(),
                            record.topic(), record.partition(), record.offset(), e.toString());
                    refused.refused(record, e);
                    passOver(record.partition(), record.offset());
                    refusedRecords++;
                }
                firstUnwritten.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
            }
        } catch (RuntimeException e) {
            throw new Interrupted(firstUnwritten, e);
        }
        return refusedRecords;
    }

    /**
     * Records a refused record as done without writing it: its offset alone is stored (when the projection keeps
     * offsets), behind the fence like any write.
     */
    public void passOver(int partition, long offset) {
        if (storesOffsets) {
            transactions.run(transaction -> {
                enterFence(transaction);
                ProjectionOffsets.advance(transaction, writer.projection(), topic, Map.of(partition, offset + 1));
            });
        }
    }

    private void applyTogether(List<ConsumerRecord<String, V>> batch) {
        Map<Integer, Long> nextOffsets = new HashMap<>();
        for (ConsumerRecord<String, V> record : batch) {
            nextOffsets.merge(record.partition(), record.offset() + 1, Math::max);
        }
        writer.prepare(batch);
        transactions.run(transaction -> {
            enterFence(transaction);
            writer.write(transaction, batch);
            if (storesOffsets) {
                ProjectionOffsets.advance(transaction, writer.projection(), topic, nextOffsets);
            }
        });
    }

    private void enterFence(org.jdbi.v3.core.Handle transaction) {
        if (fenced) {
            ProjectionFence.enter(transaction, writer.projection());
        }
    }

    private static <V> Map<TopicPartition, Long> firstOffsets(List<ConsumerRecord<String, V>> batch) {
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        for (ConsumerRecord<String, V> record : batch) {
            first.putIfAbsent(new TopicPartition(record.topic(), record.partition()), record.offset());
        }
        return first;
    }
}
