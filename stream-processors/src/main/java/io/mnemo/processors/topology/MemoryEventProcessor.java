package io.mnemo.processors.topology;

import io.mnemo.schemas.changes.EventSettled;
import io.mnemo.schemas.changes.MediaRef;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.changes.UserActivityDay;
import io.mnemo.schemas.events.DeadLetterAction;
import io.mnemo.schemas.events.DeadLetterResolved;
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
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
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

/**
 * Applies one event to its memory's state: dedupe, validation against the state, the new version, the user's
 * daily activity, and sequencing behind dead letters.
 *
 * <p>Sequencing: when an event of a memory is rejected, the memory is <em>blocked</em>: the event is kept as the
 * head of the memory's parked queue and every later event of the memory is parked behind it (and reported on
 * the dead-letter topic as parked) instead of being applied out of order. An operator's
 * {@link DeadLetterResolved} (published to the event log under the same key, so it arrives in order) applies the
 * head again (RETRY) or drops it (DISCARD), then applies the parked events in their original order; one that
 * is rejected again becomes the new head. Rejections that do not concern a memory's history (an erased user, an
 * event id reused for another payload, an unknown event type) do not block anything.
 */
final class MemoryEventProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryEventProcessor.class);
    /** Fields that a retry of the same request may legitimately change (the time, the staging attempt). */
    private static final Set<String> NOT_FINGERPRINTED = Set.of("recordedAt", "stagingKey", "bucket");

    private final Duration dedupeRetention;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, String> fingerprints;
    private KeyValueStore<String, SpecificRecord> states;
    private KeyValueStore<String, Long> erasedUsers;
    private KeyValueStore<String, SpecificRecord> stagedMedia;
    private KeyValueStore<String, String> blocked;
    private KeyValueStore<String, SpecificRecord> parked;
    private KeyValueStore<String, SpecificRecord> activity;
    /** Whether the event being processed produced a change at its own position (see {@link #settle}). */
    private boolean changedAtCurrentPosition;

    MemoryEventProcessor(Duration dedupeRetention) {
        this.dedupeRetention = dedupeRetention;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.fingerprints = context.getStateStore(MemoryChangesTopology.EVENT_FINGERPRINTS_STORE);
        this.states = context.getStateStore(MemoryChangesTopology.MEMORY_STATES_STORE);
        this.erasedUsers = context.getStateStore(MemoryChangesTopology.ERASED_USERS_STORE);
        this.stagedMedia = context.getStateStore(MemoryChangesTopology.STAGED_MEDIA_STORE);
        this.blocked = context.getStateStore(MemoryChangesTopology.BLOCKED_MEMORIES_STORE);
        this.parked = context.getStateStore(MemoryChangesTopology.PARKED_EVENTS_STORE);
        this.activity = context.getStateStore(MemoryChangesTopology.ACTIVITY_DAYS_STORE);
        // Event ids are only needed while a retry or redelivery of the same event can still arrive.
        context.schedule(Duration.ofMinutes(10), PunctuationType.WALL_CLOCK_TIME, this::forgetOldEventIds);
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        Position position = new Position(record.key(), source.topic(), source.partition(), source.offset(),
                record.timestamp());
        changedAtCurrentPosition = false;
        if (record.value() != null) {
            process(record.value(), position);
        }
        if (!changedAtCurrentPosition) {
            settle(position);
        }
    }

    /**
     * Tells the projections that the event at this position was processed without changing a memory at it, so
     * their read-your-writes watermark passes it (a client holding its position must not wait for a change
     * that will never come).
     */
    private void settle(Position position) {
        context.forward(new Record<String, SpecificRecord>(position.key(), EventSettled.newBuilder()
                .setSourcePartition(position.partition()).setSourceOffset(position.offset()).build(),
                position.timestamp()), MemoryChangesTopology.CHANGES_SINK);
    }

    private void process(SpecificRecord event, Position position) {
        Envelope envelope = Envelope.of(event);
        if (envelope == null) {
            deadLetter(position, event, DeadLetters.REJECTED,
                    "unsupported event type " + event.getSchema().getFullName(), new Extra());
            return;
        }
        String fingerprint = fingerprint(event);
        String seen = fingerprints.get(envelope.eventId());
        if (seen != null) {
            if (!seen.endsWith(":" + fingerprint)) {
                deadLetter(position, event, DeadLetters.REJECTED, "event id " + envelope.eventId()
                        + " was already used for a different payload (an Idempotency-Key reused for other content);"
                        + " the first write wins", new Extra().eventId(envelope.eventId()));
            }
            return;
        }
        // Processing time, the clock the purge runs on: a replay must not see old event ids as expired.
        fingerprints.put(envelope.eventId(), context.currentSystemTimeMs() + ":" + fingerprint);

        String userKey = envelope.tenantId() + "/" + envelope.userId();
        Long erasedAt = erasedUsers.get(userKey);
        if (erasedAt != null) {
            deadLetter(position, event, DeadLetters.REJECTED, "user " + userKey + " was erased at "
                    + Instant.ofEpochMilli(erasedAt) + "; later events of the user are not applied",
                    new Extra().eventId(envelope.eventId()));
            return;
        }
        if (event instanceof MediaStaged staged) {
            // Referenced later by captures and revisions of the same user, which arrive after it in this partition.
            stagedMedia.put(userKey + "/" + staged.getMediaId(), staged);
        } else if (event instanceof UserErased erased) {
            erase(position, erased, userKey);
        } else if (event instanceof DeadLetterResolved resolution) {
            resolve(position, resolution);
        } else {
            String memoryKey = memoryKeyOf(event);
            String head = blocked.get(memoryKey);
            if (head != null) {
                park(position, memoryKey, event, headEventId(head));
                return;
            }
            String reason = apply(position, event);
            if (reason != null) {
                block(position, memoryKey, event, reason);
            }
        }
    }

    /** Applies a capture, revision or forget; returns why it cannot be applied, or null when it was. */
    private String apply(Position position, SpecificRecord event) {
        if (event instanceof MemoryCaptured captured) {
            return capture(position, captured);
        }
        if (event instanceof MemoryRevised revised) {
            return revise(position, revised);
        }
        if (event instanceof MemoryForgotten forgotten) {
            return forget(position, forgotten);
        }
        return "unsupported event type " + event.getSchema().getFullName();
    }

    private String capture(Position position, MemoryCaptured captured) {
        String key = memoryKey(captured.getTenantId(), captured.getUserId(), captured.getMemoryId());
        if (states.get(key) != null) {
            return "memory " + captured.getMemoryId() + " already exists; a capture cannot replace it";
        }
        List<MediaRef> media = new ArrayList<>();
        String unknown = resolveMedia(captured.getTenantId(), captured.getUserId(), captured.getMediaIds(), media);
        if (unknown != null) {
            return unknown;
        }
        MemoryState state = MemoryState.newBuilder().setOccurredAt(captured.getOccurredAt())
                .setRecordedAt(captured.getRecordedAt()).setContent(captured.getContent())
                .setTags(new ArrayList<>(captured.getTags()))
                .setAttributes(new LinkedHashMap<>(captured.getAttributes()))
                .setMediaIds(new ArrayList<>(captured.getMediaIds())).setMedia(media).build();
        emit(position, key, change(position, captured.getEventId(), captured.getTenantId(), captured.getUserId(),
                captured.getMemoryId(), 1, MemoryChangeKind.UPSERTED, state));
        return null;
    }

    private String revise(Position position, MemoryRevised revised) {
        String key = memoryKey(revised.getTenantId(), revised.getUserId(), revised.getMemoryId());
        MemoryChanged last = (MemoryChanged) states.get(key);
        if (last == null || last.getKind() == MemoryChangeKind.DELETED) {
            return "cannot revise memory " + revised.getMemoryId() + ": it "
                    + (last == null ? "does not exist" : "was forgotten");
        }
        MemoryState old = last.getState();
        List<MediaRef> media = old.getMedia();
        if (revised.getMediaIds() != null) {
            media = new ArrayList<>();
            String unknown = resolveMedia(revised.getTenantId(), revised.getUserId(), revised.getMediaIds(), media);
            if (unknown != null) {
                return unknown;
            }
        }
        MemoryState state = MemoryState.newBuilder()
                .setOccurredAt(revised.getOccurredAt() != null ? revised.getOccurredAt() : old.getOccurredAt())
                .setRecordedAt(revised.getRecordedAt())
                .setContent(revised.getContent() != null ? revised.getContent() : old.getContent())
                .setTags(new ArrayList<>(revised.getTags() != null ? revised.getTags() : old.getTags()))
                .setAttributes(new LinkedHashMap<>(revised.getAttributes() != null ? revised.getAttributes()
                        : old.getAttributes()))
                .setMediaIds(new ArrayList<>(revised.getMediaIds() != null ? revised.getMediaIds() : old.getMediaIds()))
                .setMedia(new ArrayList<>(media))
                .build();
        emit(position, key, change(position, revised.getEventId(), revised.getTenantId(), revised.getUserId(),
                revised.getMemoryId(), last.getVersion() + 1, MemoryChangeKind.UPSERTED, state));
        return null;
    }

    private String forget(Position position, MemoryForgotten forgotten) {
        String key = memoryKey(forgotten.getTenantId(), forgotten.getUserId(), forgotten.getMemoryId());
        MemoryChanged last = (MemoryChanged) states.get(key);
        if (last == null || last.getKind() == MemoryChangeKind.DELETED) {
            return "cannot forget memory " + forgotten.getMemoryId() + ": it "
                    + (last == null ? "does not exist" : "was forgotten already");
        }
        emit(position, key, change(position, forgotten.getEventId(), forgotten.getTenantId(), forgotten.getUserId(),
                forgotten.getMemoryId(), last.getVersion() + 1, MemoryChangeKind.DELETED, null));
        return null;
    }

    /** Fills {@code into} with what the user's staged media are; returns why not when one was never staged. */
    private String resolveMedia(String tenant, String user, List<String> mediaIds, List<MediaRef> into) {
        for (String mediaId : mediaIds) {
            MediaStaged staged = (MediaStaged) stagedMedia.get(tenant + "/" + user + "/" + mediaId);
            if (staged == null) {
                return "media " + mediaId + " was never staged by user " + tenant + "/" + user;
            }
            into.add(MediaRef.newBuilder().setMediaId(mediaId).setSha256(staged.getSha256())
                    .setSize(staged.getSize()).setContentType(staged.getContentType())
                    .setStagingKey(staged.getStagingKey()).build());
        }
        return null;
    }

    /**
     * Deletes every live memory of the user (one change each, in this partition's order), bars the user, and
     * drops what the stores keep of the user: parked events and staged media.
     */
    private void erase(Position position, UserErased erased, String userKey) {
        for (KeyValue<String, SpecificRecord> entry : scan(states, userKey + "/")) {
            MemoryChanged last = (MemoryChanged) entry.value;
            if (last.getKind() == MemoryChangeKind.DELETED) {
                continue;
            }
            emit(position, entry.key, change(position, erased.getEventId(), last.getTenantId(), last.getUserId(),
                    last.getMemoryId(), last.getVersion() + 1, MemoryChangeKind.DELETED, null));
        }
        for (KeyValue<String, String> entry : scan(blocked, userKey + "/")) {
            blocked.delete(entry.key);
        }
        for (KeyValue<String, SpecificRecord> entry : scan(parked, userKey + "/")) {
            parked.delete(entry.key);
        }
        for (KeyValue<String, SpecificRecord> entry : scan(stagedMedia, userKey + "/")) {
            stagedMedia.delete(entry.key);
        }
        erasedUsers.put(userKey, erased.getRecordedAt().toEpochMilli());
        // After the user's deletions, the erasure itself: sinks that keep more than memories (the media sink's
        // staged uploads) learn from it that everything of the user must go.
        context.forward(new Record<String, SpecificRecord>(position.key(), erased, position.timestamp()),
                MemoryChangesTopology.CHANGES_SINK);
    }

    /** The memory's first rejected event: it heads the memory's parked queue until an operator resolves it. */
    private void block(Position position, String memoryKey, SpecificRecord event, String reason) {
        String eventId = Envelope.of(event).eventId();
        blocked.put(memoryKey, position.offset() + ":" + eventId);
        parked.put(parkedKey(memoryKey, position.offset()), event);
        deadLetter(position, event, DeadLetters.REJECTED, reason,
                new Extra().eventId(eventId).memory(memoryKey).blocking(true));
    }

    private void park(Position position, String memoryKey, SpecificRecord event, String headEventId) {
        parked.put(parkedKey(memoryKey, position.offset()), event);
        deadLetter(position, event, DeadLetters.PARKED, "parked behind dead letter " + headEventId
                        + " of memory " + memoryKey + "; applied in order once that one is retried or discarded",
                new Extra().eventId(Envelope.of(event).eventId()).memory(memoryKey).parkedBehind(headEventId));
    }

    /** An operator's RETRY or DISCARD of a blocking dead letter; a decision on anything else changes nothing. */
    private void resolve(Position position, DeadLetterResolved resolution) {
        String memoryKey = memoryKey(resolution.getTenantId(), resolution.getUserId(), resolution.getMemoryId());
        String head = blocked.get(memoryKey);
        String deadLetterId = resolution.getDeadLetterEventId().toString();
        if (head == null || !headEventId(head).equals(deadLetterId)) {
            LOG.info("Ignoring {} of {} for memory {}: it does not block the memory (resolved already?)",
                    resolution.getAction(), deadLetterId, memoryKey);
            return;
        }
        List<KeyValue<String, SpecificRecord>> queue = scan(parked, memoryKey + "/");
        for (KeyValue<String, SpecificRecord> entry : queue) {
            parked.delete(entry.key);
        }
        blocked.delete(memoryKey);
        deadLetter(position, resolution, DeadLetters.RESOLVED, resolution.getAction() + " of dead letter "
                + deadLetterId + " by " + (resolution.getOperator() == null ? "an operator" : resolution.getOperator()),
                new Extra().eventId(resolution.getEventId().toString()).memory(memoryKey).resolves(deadLetterId)
                        .resolution(resolution.getAction().name()));
        LOG.info("{} of dead letter {} releases {} parked event(s) of memory {}", resolution.getAction(),
                deadLetterId, queue.size() - 1, memoryKey);

        boolean first = true;
        for (KeyValue<String, SpecificRecord> entry : queue) {
            boolean isHead = first;
            first = false;
            if (isHead && resolution.getAction() == DeadLetterAction.DISCARD) {
                continue;
            }
            // Released events keep their own source position: the changes they produce point at them.
            Position original = position.at(offsetOf(entry.key));
            String newHead = blocked.get(memoryKey);
            if (newHead != null) {
                park(original, memoryKey, entry.value, headEventId(newHead));
                continue;
            }
            String reason = apply(original, entry.value);
            if (reason != null) {
                block(original, memoryKey, entry.value, reason);
            }
        }
    }

    private MemoryChanged change(Position position, UUID eventId, String tenant, String user, UUID memoryId,
                                 long version, MemoryChangeKind kind, MemoryState state) {
        return MemoryChanged.newBuilder().setEventId(eventId).setTenantId(tenant).setUserId(user)
                .setMemoryId(memoryId).setVersion(version).setKind(kind).setState(state)
                .setSourcePartition(position.partition()).setSourceOffset(position.offset()).build();
    }

    private void emit(Position position, String stateKey, MemoryChanged change) {
        MemoryChanged last = (MemoryChanged) states.get(stateKey);
        states.put(stateKey, change);
        changedAtCurrentPosition |= change.getSourceOffset() == context.recordMetadata().orElseThrow().offset();
        context.forward(new Record<String, SpecificRecord>(position.key(), change, position.timestamp()),
                MemoryChangesTopology.CHANGES_SINK);
        updateActivity(position, last, change);
    }

    /** Moves the memory's contribution from its old day to its new one and publishes each changed day's totals. */
    private void updateActivity(Position position, MemoryChanged last, MemoryChanged next) {
        Map<LocalDate, long[]> deltas = new TreeMap<>();
        if (last != null && last.getKind() == MemoryChangeKind.UPSERTED) {
            long[] delta = deltas.computeIfAbsent(day(last.getState()), d -> new long[2]);
            delta[0] -= 1;
            delta[1] -= mediaBytes(last.getState());
        }
        if (next.getKind() == MemoryChangeKind.UPSERTED) {
            long[] delta = deltas.computeIfAbsent(day(next.getState()), d -> new long[2]);
            delta[0] += 1;
            delta[1] += mediaBytes(next.getState());
        }
        deltas.forEach((day, delta) -> {
            if (delta[0] == 0 && delta[1] == 0) {
                return;
            }
            String key = activityKey(next.getTenantId(), next.getUserId(), day);
            UserActivityDay current = (UserActivityDay) activity.get(key);
            long memories = (current == null ? 0 : current.getMemories()) + delta[0];
            long bytes = (current == null ? 0 : current.getMediaBytes()) + delta[1];
            UserActivityDay total = UserActivityDay.newBuilder().setTenantId(next.getTenantId())
                    .setUserId(next.getUserId()).setDay(day).setMemories(memories).setMediaBytes(bytes)
                    .setSourcePartition(position.partition()).setSourceOffset(position.offset()).build();
            if (memories == 0 && bytes == 0) {
                activity.delete(key);
            } else {
                activity.put(key, total);
            }
            // A day that drops to zero is published as zeros (the sink deletes its row), not as a tombstone,
            // so the value still carries the source position the sink orders by.
            context.forward(new Record<String, SpecificRecord>(key, total, position.timestamp()),
                    MemoryChangesTopology.ACTIVITY_SINK);
        });
    }

    private static LocalDate day(MemoryState state) {
        return LocalDate.ofInstant(state.getOccurredAt(), ZoneOffset.UTC);
    }

    private static long mediaBytes(MemoryState state) {
        long total = 0;
        for (MediaRef media : state.getMedia()) {
            total += media.getSize();
        }
        return total;
    }

    private void deadLetter(Position position, SpecificRecord event, String errorClass, String reason, Extra extra) {
        LOG.warn("Dead letter ({}) for {}-{}@{}: {}", errorClass.substring(errorClass.lastIndexOf('.') + 1),
                position.topic(), position.partition(), position.offset(), reason);
        Headers headers = DeadLetters.headers(position.topic(), position.partition(), position.offset(), errorClass,
                reason, Instant.ofEpochMilli(context.currentSystemTimeMs()));
        DeadLetters.with(headers, DeadLetters.EVENT_ID, extra.eventId);
        DeadLetters.with(headers, DeadLetters.MEMORY, extra.memory);
        DeadLetters.with(headers, DeadLetters.BLOCKING, extra.blocking ? "true" : null);
        DeadLetters.with(headers, DeadLetters.PARKED_BEHIND, extra.parkedBehind);
        DeadLetters.with(headers, DeadLetters.RESOLVES, extra.resolves);
        DeadLetters.with(headers, DeadLetters.RESOLUTION, extra.resolution);
        context.forward(new Record<>(position.key(), event, position.timestamp(), headers),
                MemoryChangesTopology.DEAD_LETTERS_SINK);
    }

    private static <V> List<KeyValue<String, V>> scan(KeyValueStore<String, V> store, String prefix) {
        List<KeyValue<String, V>> entries = new ArrayList<>();
        try (KeyValueIterator<String, V> iterator = store.prefixScan(prefix, new StringSerializer())) {
            iterator.forEachRemaining(entries::add);
        }
        return entries;
    }

    static String memoryKey(String tenant, String user, UUID memoryId) {
        return tenant + "/" + user + "/" + memoryId;
    }

    private static String memoryKeyOf(SpecificRecord event) {
        if (event instanceof MemoryCaptured e) {
            return memoryKey(e.getTenantId(), e.getUserId(), e.getMemoryId());
        }
        if (event instanceof MemoryRevised e) {
            return memoryKey(e.getTenantId(), e.getUserId(), e.getMemoryId());
        }
        if (event instanceof MemoryForgotten e) {
            return memoryKey(e.getTenantId(), e.getUserId(), e.getMemoryId());
        }
        throw new IllegalArgumentException("not an event of one memory: " + event.getSchema().getFullName());
    }

    /** Zero-padded so the store's byte order is the log order. */
    private static String parkedKey(String memoryKey, long offset) {
        return memoryKey + "/" + String.format("%019d", offset);
    }

    private static long offsetOf(String parkedKey) {
        return Long.parseLong(parkedKey.substring(parkedKey.lastIndexOf('/') + 1));
    }

    private static String headEventId(String blockedValue) {
        return blockedValue.substring(blockedValue.indexOf(':') + 1);
    }

    static String activityKey(String tenant, String user, LocalDate day) {
        return tenant + "/" + user + "/" + day;
    }

    /**
     * SHA-256 of the payload without the fields a retry legitimately changes. Maps are sorted: a retry may
     * serialise the same attributes in another order.
     */
    static String fingerprint(SpecificRecord event) {
        StringBuilder canonical = new StringBuilder(event.getSchema().getFullName());
        for (Schema.Field field : event.getSchema().getFields()) {
            if (NOT_FINGERPRINTED.contains(field.name())) {
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

    /** Where an event (or a released parked event) sits in the log, and the record key and time it came with. */
    record Position(String key, String topic, int partition, long offset, long timestamp) {
        Position at(long otherOffset) {
            return new Position(key, topic, partition, otherOffset, timestamp);
        }
    }

    /** Optional dead-letter headers. */
    private static final class Extra {
        String eventId;
        String memory;
        boolean blocking;
        String parkedBehind;
        String resolves;
        String resolution;

        Extra eventId(String value) {
            eventId = value;
            return this;
        }

        Extra memory(String value) {
            memory = value;
            return this;
        }

        Extra blocking(boolean value) {
            blocking = value;
            return this;
        }

        Extra parkedBehind(String value) {
            parkedBehind = value;
            return this;
        }

        Extra resolves(String value) {
            resolves = value;
            return this;
        }

        Extra resolution(String value) {
            resolution = value;
            return this;
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
