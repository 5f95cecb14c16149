package io.mnemo.processors.sink;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;

/**
 * Port: publishes a record a sink cannot apply, ever, to {@code mnemo.dead-letters.v1}, so that the sink can move
 * past it. Returns only once the broker acknowledged the record; any failure is thrown (and is transient for the
 * sink: the batch is retried, so a dead letter may be published more than once, never lost).
 */
public interface DeadLetterPublisher {
    void publish(String key, SpecificRecord value, Headers headers);
}
