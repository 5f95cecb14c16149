package io.mnemo.ingest.kafka;

import io.mnemo.ingest.core.EventPublisher;
import io.mnemo.ingest.core.IdempotencyKey;
import io.mnemo.ingest.core.LogPosition;
import io.mnemo.ingest.core.MemoryCaptured;
import io.mnemo.ingest.core.MediaStaged;
import io.mnemo.ingest.core.MemoryEvent;
import io.mnemo.ingest.core.MemoryForgotten;
import io.mnemo.ingest.core.MemoryRevised;
import io.mnemo.ingest.core.Provenance;
import io.mnemo.ingest.core.UserErased;
import io.mnemo.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import io.mnemo.schemas.sealing.DataKey;
import io.mnemo.schemas.sealing.MemorySeal;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Publishes ingest's events to {@code mnemo.memory-events.v1}, keyed by tenant/user, as Avro. */
public final class KafkaEventPublisher implements EventPublisher {
    static final String EVENT_TYPE_HEADER = "mnemo.event-type";
    /** W3C Trace Context header, under its standard name so tracing-aware consumers pick it up. */
    static final String TRACEPARENT_HEADER = "traceparent";
    static final String REQUEST_ID_HEADER = "mnemo.request-id";

    private final Producer<String, SpecificRecord> producer;
    private final BiFunction<String, String, DataKey> userKeys;

    /**
     * @param userKeys the key to seal a tenant's user's personal fields with (content, tags, attributes are never
     *                 written in clear: see {@link MemorySeal})
     */
    public KafkaEventPublisher(Producer<String, SpecificRecord> producer, BiFunction<String, String, DataKey> userKeys) {
        this.producer = producer;
        this.userKeys = userKeys;
    }

    @Override
    public CompletableFuture<LogPosition> publish(MemoryEvent event, Provenance provenance) {
        SpecificRecord value = toAvro(event, userKeys);
        ProducerRecord<String, SpecificRecord> record = new ProducerRecord<>(Topics.MEMORY_EVENTS.name(),
                Topics.userKey(event.tenant().value(), event.user().value()), value);
        record.headers().add(EVENT_TYPE_HEADER, value.getSchema().getName().getBytes(StandardCharsets.UTF_8));
        provenance.traceparent().ifPresent(t -> record.headers().add(TRACEPARENT_HEADER, t.getBytes(StandardCharsets.UTF_8)));
        provenance.requestId().ifPresent(r -> record.headers().add(REQUEST_ID_HEADER, r.getBytes(StandardCharsets.UTF_8)));
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

    static SpecificRecord toAvro(MemoryEvent event, BiFunction<String, String, DataKey> userKeys) {
        if (event instanceof MemoryCaptured captured) {
            MemorySeal seal = MemorySeal.of(userKeys.apply(captured.tenant().value(), captured.user().value()),
                    captured.tenant().value(), captured.user().value(), captured.memoryId().value());
            return io.mnemo.schemas.events.MemoryCaptured.newBuilder()
                    .setEventId(captured.eventId().value())
                    .setTenantId(captured.tenant().value())
                    .setUserId(captured.user().value())
                    .setRecordedAt(captured.recordedAt())
                    .setMemoryId(captured.memoryId().value())
                    .setOccurredAt(captured.occurredAt())
                    .setContent("")
                    .setSealedContent(seal.content(captured.content()))
                    .setTags(new ArrayList<>())
                    .setSealedTags(seal.tags(captured.tags()))
                    .setAttributes(new LinkedHashMap<>())
                    .setSealedAttributes(seal.attributes(captured.attributes()))
                    .setMediaIds(new ArrayList<>(captured.mediaIds()))
                    .setIdempotencyKey(key(captured.idempotencyKey()))
                    .build();
        }
        if (event instanceof MemoryRevised revised) {
            MemorySeal seal = MemorySeal.of(userKeys.apply(revised.tenant().value(), revised.user().value()),
                    revised.tenant().value(), revised.user().value(), revised.memoryId().value());
            return io.mnemo.schemas.events.MemoryRevised.newBuilder()
                    .setEventId(revised.eventId().value())
                    .setTenantId(revised.tenant().value())
                    .setUserId(revised.user().value())
                    .setRecordedAt(revised.recordedAt())
                    .setMemoryId(revised.memoryId().value())
                    .setOccurredAt(revised.occurredAt().orElse(null))
                    .setSealedContent(revised.content().map(seal::content).orElse(null))
                    .setSealedTags(revised.tags().map(seal::tags).orElse(null))
                    .setSealedAttributes(revised.attributes().map(seal::attributes).orElse(null))
                    .setMediaIds(revised.mediaIds().map(ArrayList::new).orElse(null))
                    .setIdempotencyKey(key(revised.idempotencyKey()))
                    .build();
        }
        if (event instanceof MemoryForgotten forgotten) {
            return io.mnemo.schemas.events.MemoryForgotten.newBuilder()
                    .setEventId(forgotten.eventId().value())
                    .setTenantId(forgotten.tenant().value())
                    .setUserId(forgotten.user().value())
                    .setRecordedAt(forgotten.recordedAt())
                    .setMemoryId(forgotten.memoryId().value())
                    .setIdempotencyKey(key(forgotten.idempotencyKey()))
                    .build();
        }
        if (event instanceof UserErased erased) {
            return io.mnemo.schemas.events.UserErased.newBuilder()
                    .setEventId(erased.eventId().value())
                    .setTenantId(erased.tenant().value())
                    .setUserId(erased.user().value())
                    .setRecordedAt(erased.recordedAt())
                    .setIdempotencyKey(key(erased.idempotencyKey()))
                    .build();
        }
        MediaStaged staged = (MediaStaged) event;
        return io.mnemo.schemas.events.MediaStaged.newBuilder()
                .setEventId(staged.eventId().value())
                .setTenantId(staged.tenant().value())
                .setUserId(staged.user().value())
                .setRecordedAt(staged.recordedAt())
                .setMediaId(staged.mediaId().value())
                .setSha256(staged.sha256())
                .setSize(staged.size())
                .setContentType(staged.contentType())
                .setBucket(staged.bucket())
                .setStagingKey(staged.stagingKey())
                .build();
    }

    private static String key(java.util.Optional<IdempotencyKey> key) {
        return key.map(IdempotencyKey::value).orElse(null);
    }
}
