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
