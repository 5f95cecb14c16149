package io.mnemo.ingest.kafka;

import io.mnemo.ingest.core.EventPublisher;
import io.mnemo.ingest.core.LogPosition;
import io.mnemo.ingest.core.MemoryCaptured;
import io.mnemo.ingest.core.MemoryEvent;
import io.mnemo.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Publishes ingest's events to {@code mnemo.memory-events.v1}, keyed by tenant/user, as Avro. */
public final class KafkaEventPublisher implements EventPublisher {
    static final String EVENT_TYPE_HEADER = "mnemo.event-type";

    private final Producer<String, SpecificRecord> producer;

    public KafkaEventPublisher(Producer<String, SpecificRecord> producer) {
        this.producer = producer;
    }

    @Override
    public CompletableFuture<LogPosition> publish(MemoryEvent event) {
        SpecificRecord value = toAvro(event);
        ProducerRecord<String, SpecificRecord> record = new ProducerRecord<>(Topics.MEMORY_EVENTS.name(),
                Topics.userKey(event.tenant().value(), event.user().value()), value);
        record.headers().add(EVENT_TYPE_HEADER, value.getSchema().getName().getBytes(StandardCharsets.UTF_8));
        CompletableFuture<LogPosition> result = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(new LogPosition(metadata.partition(), metadata.offset()));
                }
            });
        } catch (RuntimeException e) {
            // send() throws when metadata or buffer space is not available within max.block.ms.
            result.completeExceptionally(e);
        }
        return result;
    }

    static SpecificRecord toAvro(MemoryEvent event) {
        if (event instanceof MemoryCaptured captured) {
            return io.mnemo.schemas.events.MemoryCaptured.newBuilder()
                    .setEventId(captured.eventId().value())
                    .setTenantId(captured.tenant().value())
                    .setUserId(captured.user().value())
                    .setRecordedAt(captured.recordedAt())
                    .setMemoryId(captured.memoryId().value())
                    .setOccurredAt(captured.occurredAt())
                    .setContent(captured.content())
                    .setTags(new ArrayList<>(captured.tags()))
                    .setAttributes(new LinkedHashMap<>(captured.attributes()))
                    .setMediaIds(new ArrayList<>(captured.mediaIds()))
                    .setIdempotencyKey(captured.idempotencyKey().map(k -> k.value()).orElse(null))
                    .build();
        }
        throw new IllegalArgumentException("No Avro form for " + event.getClass().getSimpleName());
    }
}
