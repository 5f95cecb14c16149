package io.mnemo.processors.topology;

import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.events.MediaStaged;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.events.MemoryForgotten;
import io.mnemo.schemas.events.MemoryRevised;
import io.mnemo.schemas.events.UserErased;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies one event to its memory's state: dedupe, validation against the state, the new version. */
final class MemoryEventProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryEventProcessor.class);
    static final String REJECTED = "io.mnemo.processors.EventRejected";

    private final Duration dedupeRetention;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, String> fingerprints;
    private KeyValueStore<String, SpecificRecord> states;
    private KeyValueStore<String, Long> erasedUsers;

    MemoryEventProcessor(Duration dedupeRetention) {
        this.dedupeRetention = dedupeRetention;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.fingerprints = context.getStateStore(MemoryChangesTopology.EVENT_FINGERPRINTS_STORE);
        this.states = context.getStateStore(MemoryChangesTopology.MEMORY_STATES_STORE);
        this.erasedUsers = context.getStateStore(MemoryChangesTopology.ERASED_USERS_STORE);
        // Event ids are only needed while a retry or redelivery of the same event can still arrive.
        context.schedule(Duration.ofMinutes(10), PunctuationType.WALL_CLOCK_TIME, this::forgetOldEventIds);
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        SpecificRecord event = record.value();
        if (event == null) {
            return;
        }
        Envelope envelope = Envelope.of(event);
        if (envelope == null) {
            reject(record, "unsupported event type " + event.getSchema().getFullName());
            return;
        }
        String fingerprint = fingerprint(event);
        String seen = fingerprints.get(envelope.eventId());
        if (seen != null) {
            if (!seen.endsWith(":" + fingerprint)) {
                reject(record, "event id " + envelope.eventId() + " was already used for a different payload "
                        + "(an Idempotency-Key reused for other content); the first write wins");
            }
            return;
        }
        // Processing time, the clock the purge runs on: a replay must not see old event ids as expired.
        fingerprints.put(envelope.eventId(), context.currentSystemTimeMs() + ":" + fingerprint);

        String userKey = envelope.tenantId() + "/" + envelope.userId();
        Long erasedAt = erasedUsers.get(userKey);
        if (erasedAt != null) {
            reject(record, "user " + userKey + " was erased at " + Instant.ofEpochMilli(erasedAt)
                    + "; later events of the user are not applied");
            return;
        }
        if (event instanceof MemoryCaptured captured) {
            capture(record, captured);
        } else if (event instanceof MemoryRevised revised) {
            revise(record, revised);
        } else if (event instanceof MemoryForgotten forgotten) {
            forget(record, forgotten);
        } else if (event instanceof UserErased erased) {
            erase(record, erased, userKey);
        } else if (event instanceof MediaStaged) {
            // Staged media become part of a memory when a capture or revision references them; the media sink
            // promotes them from the memory changes.
            LOG.debug("Media staged for {}", userKey);
        }
    }

    private void capture(Record<String, SpecificRecord> record, MemoryCaptured captured) {
        String key = memoryKey(captured.getTenantId(), captured.getUserId(), captured.getMemoryId());
        if (states.get(key) != null) {
            reject(record, "memory " + captured.getMemoryId() + " already exists; a capture cannot replace it");
            return;
        }
        MemoryState state = MemoryState.newBuilder().setOccurredAt(captured.getOccurredAt())
                .setRecordedAt(captured.getRecordedAt()).setContent(captured.getContent())
                .setTags(new ArrayList<>(captured.getTags()))
                .setAttributes(new LinkedHashMap<>(captured.getAttributes()))
                .setMediaIds(new ArrayList<>(captured.getMediaIds())).build();
        emit(record, key, change(captured.getEventId(), captured.getTenantId(), captured.getUserId(),
                captured.getMemoryId(), 1, MemoryChangeKind.UPSERTED, state));
    }

    private void revise(Record<String, SpecificRecord> record, MemoryRevised revised) {
        String key = memoryKey(revised.getTenantId(), revised.getUserId(), revised.getMemoryId());
        MemoryChanged last = (MemoryChanged) states.get(key);
        if (last == null || last.getKind() == MemoryChangeKind.DELETED) {
            reject(record, "cannot revise memory " + revised.getMemoryId() + ": it "
                    + (last == null ? "does not exist" : "was forgotten"));
            return;
        }
        MemoryState old = last.getState();
        MemoryState state = MemoryState.newBuilder(old)
                .setOccurredAt(revised.getOccurredAt() != null ? revised.getOccurredAt() : old.getOccurredAt())
                .setRecordedAt(revised.getRecordedAt())
                .setContent(revised.getContent() != null ? revised.getContent() : old.getContent())
                .setTags(revised.getTags() != null ? new ArrayList<>(revised.getTags()) : old.getTags())
                .setAttributes(revised.getAttributes() != null ? new LinkedHashMap<>(revised.getAttributes())
                        : old.getAttributes())
                .setMediaIds(revised.getMediaIds() != null ? new ArrayList<>(revised.getMediaIds()) : old.getMediaIds())
                .build();
        emit(record, key, change(revised.getEventId(), revised.getTenantId(), revised.getUserId(),
                revised.getMemoryId(), last.getVersion() + 1, MemoryChangeKind.UPSERTED, state));
    }

    private void forget(Record<String, SpecificRecord> record, MemoryForgotten forgotten) {
        String key = memoryKey(forgotten.getTenantId(), forgotten.getUserId(), forgotten.getMemoryId());
        MemoryChanged last = (MemoryChanged) states.get(key);
        if (last == null || last.getKind() == MemoryChangeKind.DELETED) {
            reject(record, "cannot forget memory " + forgotten.getMemoryId() + ": it "
                    + (last == null ? "does not exist" : "was forgotten already"));
            return;
        }
        emit(record, key, change(forgotten.getEventId(), forgotten.getTenantId(), forgotten.getUserId(),
                forgotten.getMemoryId(), last.getVersion() + 1, MemoryChangeKind.DELETED, null));
    }

    /** Deletes every live memory of the user (one change each, in this partition's order) and bars the user. */
    private void erase(Record<String, SpecificRecord> record, UserErased erased, String userKey) {
        List<KeyValue<String, SpecificRecord>> live = new ArrayList<>();
        try (KeyValueIterator<String, SpecificRecord> memories = states.prefixScan(userKey + "/",
                new StringSerializer())) {
            memories.forEachRemaining(live::add);
        }
        for (KeyValue<String, SpecificRecord> entry : live) {
            MemoryChanged last = (MemoryChanged) entry.value;
            if (last.getKind() == MemoryChangeKind.DELETED) {
                continue;
            }
            emit(record, entry.key, change(erased.getEventId(), last.getTenantId(), last.getUserId(),
                    last.getMemoryId(), last.getVersion() + 1, MemoryChangeKind.DELETED, null));
        }
        erasedUsers.put(userKey, erased.getRecordedAt().toEpochMilli());
    }

    private MemoryChanged change(UUID eventId, String tenant, String user, UUID memoryId, long version,
                                 MemoryChangeKind kind, MemoryState state) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        return MemoryChanged.newBuilder().setEventId(eventId).setTenantId(tenant).setUserId(user)
                .setMemoryId(memoryId).setVersion(version).setKind(kind).setState(state)
                .setSourcePartition(source.partition()).setSourceOffset(source.offset()).build();
    }

    private void emit(Record<String, SpecificRecord> record, String stateKey, MemoryChanged change) {
        states.put(stateKey, change);
        context.forward(record.withValue(change), MemoryChangesTopology.CHANGES_SINK);
    }

    private void reject(Record<String, SpecificRecord> record, String reason) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        LOG.warn("Dead-lettering {}-{}@{}: {}", source.topic(), source.partition(), source.offset(), reason);
        context.forward(record.withHeaders(DeadLetters.headers(source.topic(), source.partition(), source.offset(),
                REJECTED, reason, Instant.ofEpochMilli(context.currentSystemTimeMs()))),
                MemoryChangesTopology.DEAD_LETTERS_SINK);
    }

    static String memoryKey(String tenant, String user, UUID memoryId) {
        return tenant + "/" + user + "/" + memoryId;
    }

    /**
     * SHA-256 of the payload without recordedAt, which a producer retry legitimately changes. Maps are sorted:
     * a retry may serialise the same attributes in another order.
     */
    static String fingerprint(SpecificRecord event) {
        StringBuilder canonical = new StringBuilder(event.getSchema().getFullName());
        for (Schema.Field field : event.getSchema().getFields()) {
            if (field.name().equals("recordedAt")) {
                continue;
            }
            Object value = event.get(field.pos());
            canonical.append('\u0000').append(field.name()).append('=')
                    .append(value instanceof Map<?, ?> map ? new TreeMap<>(stringKeys(map)) : value);
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    private static Map<String, Object> stringKeys(Map<?, ?> map) {
        Map<String, Object> copy = new java.util.HashMap<>();
        map.forEach((k, v) -> copy.put(String.valueOf(k), v));
        return copy;
    }

    private void forgetOldEventIds(long now) {
        long cutoff = now - dedupeRetention.toMillis();
        try (KeyValueIterator<String, String> all = fingerprints.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                long seenAt = Long.parseLong(entry.value.substring(0, entry.value.indexOf(':')));
                if (seenAt < cutoff) {
                    fingerprints.delete(entry.key);
                }
            }
        }
    }

    /** The fields every event carries. */
    record Envelope(String eventId, String tenantId, String userId) {
        static Envelope of(SpecificRecord event) {
            if (event.getSchema().getField("eventId") == null || event.getSchema().getField("tenantId") == null
                    || event.getSchema().getField("userId") == null) {
                return null;
            }
            return new Envelope(String.valueOf(event.get(event.getSchema().getField("eventId").pos())),
                    String.valueOf(event.get(event.getSchema().getField("tenantId").pos())),
                    String.valueOf(event.get(event.getSchema().getField("userId").pos())));
        }
    }
}
