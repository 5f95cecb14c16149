package io.mnemo.processors.kafka;

import io.mnemo.processors.sink.DeadLetterPublisher;
import io.mnemo.schemas.Topics;
import java.util.concurrent.ExecutionException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;

/**
 * {@link DeadLetterPublisher} on a durable producer (acks=all, idempotence on, Avro values in the Confluent wire
 * format like every other record of the dead-letter topic), waiting synchronously for each acknowledgement.
 */
public final class KafkaDeadLetterPublisher implements DeadLetterPublisher {
    private final Producer<String, SpecificRecord> producer;

    public KafkaDeadLetterPublisher(Producer<String, SpecificRecord> producer) {
        this.producer = producer;
    }

    @Override
    public void publish(String key, SpecificRecord value, Headers headers) {
        sendAndWait(producer, new ProducerRecord<>(Topics.DEAD_LETTERS.name(), null, key, value, headers));
    }

    /** Sends a dead letter and returns once the broker acknowledged it; throws otherwise. */
    public static <V> void sendAndWait(Producer<String, V> producer, ProducerRecord<String, V> deadLetter) {
        try {
            producer.send(deadLetter).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while publishing a dead letter", e);
        } catch (ExecutionException e) {
            throw new KafkaException("publishing a dead letter failed: " + e.getCause(), e.getCause());
        }
    }
}
