package io.mnemo.processors.topology;

import io.mnemo.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Builds records for {@code mnemo.dead-letters.v1}: the original key and bytes, and why, in headers. */
public final class DeadLetters {
    public static final String SOURCE_TOPIC = "mnemo.dlq.source.topic";
    public static final String SOURCE_PARTITION = "mnemo.dlq.source.partition";
    public static final String SOURCE_OFFSET = "mnemo.dlq.source.offset";
    public static final String ERROR_CLASS = "mnemo.dlq.error.class";
    public static final String REASON = "mnemo.dlq.reason";
    public static final String TIME = "mnemo.dlq.time";
    /** Id of the dead-lettered event (when it could be read). */
    public static final String EVENT_ID = "mnemo.dlq.event-id";
    /** {@code tenant/user/memoryId} of the memory the event belongs to, when it belongs to one. */
    public static final String MEMORY = "mnemo.dlq.memory";
    /** "true" when later events of the memory are parked behind this one until it is retried or discarded. */
    public static final String BLOCKING = "mnemo.dlq.blocking";
    /** On a parked event: the id of the blocking dead letter it waits behind. */
    public static final String PARKED_BEHIND = "mnemo.dlq.parked-behind";
    /** On a resolution record: the id of the dead letter that was resolved, and how (RETRY or DISCARD). */
    public static final String RESOLVES = "mnemo.dlq.resolves";
    public static final String RESOLUTION = "mnemo.dlq.resolution";

    /** Error classes of records the processors write themselves (the others are exception class names). */
    public static final String REJECTED = "io.mnemo.processors.EventRejected";
    public static final String PARKED = "io.mnemo.processors.EventParked";
    public static final String RESOLVED = "io.mnemo.processors.DeadLetterResolved";

    private DeadLetters() {
    }

    /** Headers of a dead letter for an event that was read fine but cannot be applied. */
    public static Headers headers(String topic, int partition, long offset, String errorClass, String reason,
                                  Instant now) {
        Headers headers = new RecordHeaders();
        headers.add(SOURCE_TOPIC, utf8(topic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        headers.add(ERROR_CLASS, utf8(errorClass));
        headers.add(REASON, utf8(reason));
        headers.add(TIME, utf8(now.toString()));
        return headers;
    }

    /** Adds a header (a no-op for a null value) and returns the headers, for chaining. */
    public static Headers with(Headers headers, String name, Object value) {
        if (value != null) {
            headers.add(name, utf8(String.valueOf(value)));
        }
        return headers;
    }

    /** The header's last value as a string, or null. */
    public static String header(Headers headers, String name) {
        var header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    public static ProducerRecord<byte[], byte[]> of(String topic, int partition, long offset, byte[] key, byte[] value,
                                                    Throwable error, Instant now) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.DEAD_LETTERS.name(), key, value);
        Headers headers = record.headers();
        headers.add(SOURCE_TOPIC, utf8(topic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        headers.add(ERROR_CLASS, utf8(error.getClass().getName()));
        headers.add(REASON, utf8(String.valueOf(error.getMessage())));
        headers.add(TIME, utf8(now.toString()));
        return record;
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
