package io.mnemo.processors.sink;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.jdbi.v3.core.Handle;

/**
 * Writes one batch of records into a projection inside the transaction the sink opened; the sink stores the
 * batch's offsets in that same transaction. Must be idempotent: replays and redeliveries call it again.
 */
public interface ProjectionWriter<V> {
    /** Name of the projection, the key of its rows in {@code projection_offsets}. */
    String projection();

    /** Work that cannot run inside the batch transaction (DDL such as creating partitions). */
    default void prepare(List<ConsumerRecord<String, V>> batch) {
    }

    void write(Handle transaction, List<ConsumerRecord<String, V>> batch);

    /**
     * Whether this writer needs the content of a record whose value is of this Avro record type (full name), with
     * these headers, decided before the value is decoded. When not, the sink decodes only the record's source
     * position and hands the writer an {@code EventSettled} in its place (the position still advances the
     * watermark). Answer {@code false} only for records the writer would pass over whatever they hold.
     */
    default boolean needsContent(String recordType, Headers headers) {
        return true;
    }

    /**
     * Whether writing this record does slow work outside Postgres (the media writer copies or deletes objects in
     * S3). A transaction holds at most {@link #maxCostlyPerTransaction()} such records; the sink splits a polled
     * batch accordingly, so cheap records still travel in large batches.
     */
    default boolean isCostly(V value) {
        return false;
    }

    /** At most this many {@linkplain #isCostly costly} records in one transaction. */
    default int maxCostlyPerTransaction() {
        return Integer.MAX_VALUE;
    }
}
