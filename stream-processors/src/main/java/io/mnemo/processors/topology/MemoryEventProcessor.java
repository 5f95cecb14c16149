package io.mnemo.processors.topology;

import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.events.MemoryCaptured;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies one event: dedupe by event id, then the memory's new canonical state. */
final class MemoryEventProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryEventProcessor.class);

    private final Duration dedupeRetention;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, Long> seenEvents;

    MemoryEventProcessor(Duration dedupeRetention) {
        this.dedupeRetention = dedupeRetention;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.seenEvents = context.getStateStore(MemoryChangesTopology.SEEN_EVENTS_STORE);
        // Event ids are only needed while a retry or redelivery of the same event can still arrive.
        context.schedule(Duration.ofMinutes(10), PunctuationType.WALL_CLOCK_TIME, this::forgetOldEventIds);
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        if (!(record.value() instanceof MemoryCaptured captured)) {
            LOG.warn("Skipping event of unsupported type {}", record.value() == null ? null
                    : record.value().getSchema().getFullName());
            return;
        }
        String eventId = captured.getEventId().toString();
        if (seenEvents.get(eventId) != null) {
            return;
        }
        // Processing time, the same clock the purge runs on: a replay from offset 0 must not see every old
        // event id as already expired.
        seenEvents.put(eventId, context.currentSystemTimeMs());
        RecordMetadata source = context.recordMetadata().orElseThrow();
        MemoryChanged change = MemoryChanged.newBuilder()
                .setEventId(captured.getEventId())
                .setTenantId(captured.getTenantId())
                .setUserId(captured.getUserId())
                .setMemoryId(captured.getMemoryId())
                .setVersion(1L)
                .setKind(MemoryChangeKind.UPSERTED)
                .setState(MemoryState.newBuilder()
                        .setOccurredAt(captured.getOccurredAt())
                        .setRecordedAt(captured.getRecordedAt())
                        .setContent(captured.getContent())
                        .setTags(new ArrayList<>(captured.getTags()))
                        .setAttributes(new LinkedHashMap<>(captured.getAttributes()))
                        .setMediaIds(new ArrayList<>(captured.getMediaIds()))
                        .build())
                .setSourcePartition(source.partition())
                .setSourceOffset(source.offset())
                .build();
        context.forward(record.withValue(change));
    }

    private void forgetOldEventIds(long now) {
        long cutoff = now - dedupeRetention.toMillis();
        try (KeyValueIterator<String, Long> all = seenEvents.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                if (entry.value < cutoff) {
                    seenEvents.delete(entry.key);
                }
            }
        }
    }
}
