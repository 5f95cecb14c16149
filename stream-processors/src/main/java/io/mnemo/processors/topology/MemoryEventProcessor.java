package io.mnemo.processors.topology;

import io.mnemo.kit.tracing.TraceHeaders;
import io.mnemo.kit.tracing.Tracing;
import io.mnemo.processors.core.MemoryKey;
import io.mnemo.processors.core.UserKey;

import io.mnemo.schemas.changes.EventSettled;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.UserActivityDay;
import io.mnemo.schemas.events.DeadLetterAction;
import io.mnemo.schemas.events.DeadLetterResolved;
import io.mnemo.schemas.events.MediaStaged;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thin processor over {@link MemoryFold}: types the event, drops retries ({@link EventDedupe}), bars erased
 * users, sequences a memory's events behind its dead letter ({@link ParkingLot}), folds, and publishes what came
 * of it: changes, daily activity ({@link ActivityTotals}) and dead letters.
 *
 * <p>Sequencing: when an event of a memory is rejected, the memory is <em>blocked</em>: the event heads the
 * memory's parked queue and every later event of the memory is parked behind it (and reported on the dead-letter
 * topic as parked) instead of being applied out of order. An operator's {@link DeadLetterResolved} (published to
 * the event log under the same key, so it arrives in order) applies the head again (RETRY) or drops it (DISCARD),
 * then applies the parked events in their original order; one that is rejected again becomes the new head.
 * Rejections that do not concern a memory's history (an erased user, an event id reused for another payload, an
 * unknown event type) block nothing.
 *
 * <p>Positions: everything an event produces on memory-changes is forwarded together at the end; each record but
 * the last carries {@link #POSITION_OPEN}, and the last is at the event's own position (an {@link EventSettled}
 * when nothing else is). A sink that has written a record without that header therefore reflects every event up
 * to the record's source offset, which is what its read-your-writes watermark claims.
 *
 * <p>Tracing: every record an event produces carries a {@code traceparent}: the event's {@code mnemo.fold} span when
 * tracing is on, else the event's own header unchanged (no parsing), so a trace survives a processor without tracing.
 */
final class MemoryEventProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryEventProcessor.class);
    /** Header on a memory-changes record that more records of the same source position follow. */
    public static final String POSITION_OPEN = "mnemo.position.open";
    /**
     * Header on every memory-changes {@link MemoryChanged}: {@code 1} when the memory references media before or
     * after the change, else {@code 0}. A sink with nothing to do for the others (media) reads only their position.
     */
    public static final String TOUCHES_MEDIA = "mnemo.media";
    private static final byte[] MEDIA = {'1'};
    private static final byte[] NO_MEDIA = {'0'};
    /** Fields that a retry of the same request may legitimately change (the time, the staging attempt). */
    private static final Set<String> NOT_FINGERPRINTED = Set.of("recordedAt", "stagingKey", "bucket");

    private final Duration idempotencyWindow;
    private final Tracing tracing;
    /** The traceparent of what the event being processed produces; null when it came without one. */
    private byte[] traceparent;
    private ProcessorContext<String, SpecificRecord> context;
    private EventDedupe dedupe;
    private KeyValueStore<String, SpecificRecord> states;
    private KeyValueStore<String, Long> erasedUsers;
    private KeyValueStore<String, SpecificRecord> stagedMedia;
    private ParkingLot parking;
    private ActivityTotals activity;
    /** What the event being processed publishes to memory-changes, forwarded at the end in this order. */
    private final List<Record<String, SpecificRecord>> toChanges = new ArrayList<>();

    MemoryEventProcessor(Duration idempotencyWindow, Tracing tracing) {
        this.idempotencyWindow = idempotencyWindow;
        this.tracing = tracing;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.dedupe = new EventDedupe(context.getStateStore(MemoryChangesTopology.EVENT_IDS_STORE), idempotencyWindow);
        this.states = context.getStateStore(MemoryChangesTopology.MEMORY_STATES_STORE);
        this.erasedUsers = context.getStateStore(MemoryChangesTopology.ERASED_USERS_STORE);
        this.stagedMedia = context.getStateStore(MemoryChangesTopology.STAGED_MEDIA_STORE);
        this.parking = new ParkingLot(context.getStateStore(MemoryChangesTopology.BLOCKED_MEMORIES_STORE),
                context.getStateStore(MemoryChangesTopology.PARKED_EVENTS_STORE));
        this.activity = new ActivityTotals(context.getStateStore(MemoryChangesTopology.ACTIVITY_DAYS_STORE));
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        Position position = new Position(record.key(), source.topic(), source.partition(), source.offset(),
                record.timestamp());
        toChanges.clear();
        traceparent = TraceHeaders.bytes(record.headers());
        Span span = Span.getInvalid();
        if (tracing.enabled()) {
            span = tracing.startChild("mnemo.fold", SpanKind.CONSUMER, TraceHeaders.traceparent(record.headers()));
            traceparent = TraceHeaders.bytes(Tracing.traceparent(span, null));
        }
        try {
            Outcome outcome = record.value() == null ? new Outcome.Duplicate("empty record")
                    : handle(InboundEvent.of(record.value()), position);
            LOG.debug("{}-{}@{}: {}", position.topic(), position.partition(), position.offset(), outcome);
            publishChanges(position);
            if (span.isRecording()) {
                describe(span, position, outcome);
            }
        } catch (RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    private static void describe(Span span, Position position, Outcome outcome) {
        span.setAttribute("messaging.system", "kafka");
        span.setAttribute("messaging.destination.name", position.topic());
        span.setAttribute("messaging.destination.partition.id", Integer.toString(position.partition()));
        span.setAttribute("messaging.kafka.offset", position.offset());
        span.setAttribute("mnemo.outcome", outcome.getClass().getSimpleName());
    }

    private Outcome handle(InboundEvent event, Position position) {
        if (!(event instanceof InboundEvent.Known known)) {
            String reason = ((InboundEvent.Unsupported) event).reason();
            deadLetter(position, event.record(), DeadLetters.REJECTED, reason, new Extra());
            return new Outcome.DeadLettered(reason, false);
        }
        EventDedupe.Verdict verdict = dedupe.check(known.eventId(), fingerprint(known.record()), position.timestamp());
        if (verdict == EventDedupe.Verdict.RETRY) {
            return new Outcome.Duplicate("event " + known.eventId() + " was seen within the idempotency window");
        }
        if (verdict == EventDedupe.Verdict.CONFLICT) {
            String reason = "event id " + known.eventId() + " was already used for a different payload (an "
                    + "Idempotency-Key reused for other content); the first write wins";
            deadLetter(position, known.record(), DeadLetters.REJECTED, reason, new Extra().eventId(known.eventId()));
            return new Outcome.DeadLettered(reason, false);
        }
        Long erasedAt = erasedUsers.get(known.user().toString());
        if (erasedAt != null) {
            String reason = "user " + known.user() + " was erased at " + Instant.ofEpochMilli(erasedAt)
                    + "; later events of the user are not applied";
            deadLetter(position, known.record(), DeadLetters.REJECTED, reason, new Extra().eventId(known.eventId()));
            return new Outcome.DeadLettered(reason, false);
        }
        if (known instanceof InboundEvent.Staging staging) {
            return stage(staging);
        }
        if (known instanceof InboundEvent.Erasure erasure) {
            return erase(position, erasure);
        }
        if (known instanceof InboundEvent.Resolution resolution) {
            return resolve(position, resolution);
        }
        InboundEvent.OfMemory ofMemory = (InboundEvent.OfMemory) known;
        String blocker = parking.blockerOf(ofMemory.memory());
        return blocker != null ? park(position, ofMemory, blocker) : fold(position, ofMemory);
    }

    private Outcome stage(InboundEvent.Staging staging) {
        // Referenced later by captures and revisions of the same user, which arrive after it in this partition.
        stagedMedia.put(staging.user().prefix() + staging.record().getMediaId(), staging.record());
        return new Outcome.Applied();
    }

    /** Folds the event into its memory; a rejection blocks the memory behind the event. */
    private Outcome fold(Position position, InboundEvent.OfMemory event) {
        return fold(position, event, position);
    }

    private Outcome fold(Position position, InboundEvent.OfMemory event, Position input) {
        String key = event.memory().toString();
        MemoryChanged last = (MemoryChanged) states.get(key);
        MemoryFold.Result result = MemoryFold.apply(last, event, this::stagedMediaOf, position.partition(),
                position.offset());
        if (result instanceof MemoryFold.Result.Applied applied) {
            emit(position, last, applied.change(), input);
            return new Outcome.Applied();
        }
        if (result instanceof MemoryFold.Result.AlreadyApplied already) {
            LOG.info("{}-{}@{}: {}", position.topic(), position.partition(), position.offset(), already.why());
            return new Outcome.Duplicate(already.why());
        }
        String reason = ((MemoryFold.Result.Rejected) result).reason();
        parking.block(event.memory(), position.offset(), event.eventId(), event.record());
        deadLetter(position, event.record(), DeadLetters.REJECTED, reason, new Extra()
                .eventId(event.eventId()).memory(event.memory().toString()).blocking(true));
        return new Outcome.DeadLettered(reason, true);
    }

    private MediaStaged stagedMediaOf(UserKey user, String mediaId) {
        return (MediaStaged) stagedMedia.get(user.prefix() + mediaId);
    }

    private Outcome park(Position position, InboundEvent.OfMemory event, String blockerEventId) {
        parking.park(event.memory(), position.offset(), event.record());
        deadLetter(position, event.record(), DeadLetters.PARKED, "parked behind dead letter " + blockerEventId
                        + " of memory " + event.memory() + "; applied in order once that one is retried or discarded",
                new Extra().eventId(event.eventId()).memory(event.memory().toString()).parkedBehind(blockerEventId));
        return new Outcome.Parked(blockerEventId);
    }

    /**
     * Deletes every live memory of the user (one change each, in this partition's order), bars the user, and
     * drops what the stores keep of the user: parked events and staged media.
     */
    private Outcome erase(Position position, InboundEvent.Erasure erasure) {
        UserKey user = erasure.user();
        for (KeyValue<String, SpecificRecord> entry : ParkingLot.scan(states, user.prefix())) {
            MemoryChanged last = (MemoryChanged) entry.value;
            MemoryChanged deletion = MemoryFold.erase(last, erasure.record().getEventId(), position.partition(),
                    position.offset());
            if (deletion != null) {
                emit(position, last, deletion);
            }
        }
        parking.dropUser(user);
        for (KeyValue<String, SpecificRecord> entry : ParkingLot.scan(stagedMedia, user.prefix())) {
            stagedMedia.delete(entry.key);
        }
        erasedUsers.put(user.toString(), erasure.record().getRecordedAt().toEpochMilli());
        // After the user's deletions, the erasure itself: sinks that keep more than memories (the media sink's
        // staged uploads) learn from it that everything of the user must go.
        toChanges.add(new Record<>(position.key(), erasure.record(), position.timestamp()));
        return new Outcome.Applied();
    }

    /** An operator's RETRY or DISCARD of a blocking dead letter; a decision on anything else changes nothing. */
    private Outcome resolve(Position position, InboundEvent.Resolution resolution) {
        DeadLetterResolved decision = resolution.record();
        MemoryKey memory = resolution.memory();
        String blocker = parking.blockerOf(memory);
        String deadLetterId = decision.getDeadLetterEventId().toString();
        if (blocker == null || !blocker.equals(deadLetterId)) {
            LOG.info("Ignoring {} of {} for memory {}: it does not block the memory (resolved already?)",
                    decision.getAction(), deadLetterId, memory);
            return new Outcome.Duplicate("dead letter " + deadLetterId + " does not block memory " + memory);
        }
        List<ParkingLot.Parked> queue = parking.release(memory);
        deadLetter(position, decision, DeadLetters.RESOLVED, decision.getAction() + " of dead letter "
                + deadLetterId + " by " + (decision.getOperator() == null ? "an operator" : decision.getOperator()),
                new Extra().eventId(resolution.eventId()).memory(memory.toString()).resolves(deadLetterId)
                        .resolution(decision.getAction().name()));
        LOG.info("{} of dead letter {} releases {} parked event(s) of memory {}", decision.getAction(),
                deadLetterId, queue.size() - 1, memory);
        for (int i = 0; i < queue.size(); i++) {
            if (i == 0 && decision.getAction() == DeadLetterAction.DISCARD) {
                continue;
            }
            // Released events keep their own source position: the changes they produce point at them.
            Position original = position.at(queue.get(i).offset());
            InboundEvent event = InboundEvent.of(queue.get(i).event());
            if (!(event instanceof InboundEvent.OfMemory ofMemory)) {
                continue;
            }
            String newBlocker = parking.blockerOf(memory);
            if (newBlocker != null) {
                park(original, ofMemory, newBlocker);
            } else {
                fold(original, ofMemory, position);
            }
        }
        return new Outcome.Applied();
    }

    private void emit(Position position, MemoryChanged last, MemoryChanged change) {
        emit(position, last, change, position);
    }

    /** {@code input} is the event being processed; {@code position} the one the change is of (older if released). */
    private void emit(Position position, MemoryChanged last, MemoryChanged change, Position input) {
        states.put(MemoryKey.of(change.getTenantId(), change.getUserId(), change.getMemoryId()).toString(), change);
        Headers headers = new RecordHeaders();
        headers.add(TOUCHES_MEDIA, hasMedia(last) || hasMedia(change) ? MEDIA : NO_MEDIA);
        toChanges.add(new Record<>(position.key(), change, position.timestamp(), headers));
        for (UserActivityDay day : activity.move(last, change, input.partition(), input.offset())) {
            String key = ActivityTotals.key(day.getTenantId(), day.getUserId(), day.getDay());
            // A day that drops to zero is published as zeros (the sink deletes its row), not as a tombstone,
            // so the value still carries the source position the sink orders by.
            context.forward(new Record<String, SpecificRecord>(key, day, position.timestamp(),
                    TraceHeaders.with(new RecordHeaders(), traceparent)), MemoryChangesTopology.ACTIVITY_SINK);
            // Also in the user's memory-changes partition, after the change: the activity sink reads it there,
            // in log order with every other record of the position, so its watermark is exact.
            toChanges.add(new Record<>(position.key(), day, position.timestamp()));
        }
    }

    /**
     * Forwards what the event produced on memory-changes, ending with a record at the event's own position (a
     * settlement when nothing else is), every record before it marked {@link #POSITION_OPEN}.
     */
    private void publishChanges(Position position) {
        if (toChanges.isEmpty() || !atPosition(toChanges.get(toChanges.size() - 1).value(), position)) {
            toChanges.add(new Record<>(position.key(), EventSettled.newBuilder()
                    .setSourcePartition(position.partition()).setSourceOffset(position.offset()).build(),
                    position.timestamp()));
        }
        for (int i = 0; i < toChanges.size(); i++) {
            Record<String, SpecificRecord> record = toChanges.get(i);
            if (i < toChanges.size() - 1 || traceparent != null) {
                // the record's own headers (a change's mnemo.media) stay; each record was built with its own
                Headers headers = TraceHeaders.with(record.headers(), traceparent);
                if (i < toChanges.size() - 1) {
                    headers.add(POSITION_OPEN, new byte[] {'1'});
                }
                record = record.withHeaders(headers);
            }
            context.forward(record, MemoryChangesTopology.CHANGES_SINK);
        }
        toChanges.clear();
    }

    /** Whether the memory references media in this state (none when there is no state or it is a deletion). */
    private static boolean hasMedia(MemoryChanged state) {
        return state != null && state.getKind() == MemoryChangeKind.UPSERTED && state.getState() != null
                && state.getState().getMedia() != null && !state.getState().getMedia().isEmpty();
    }

    private static boolean atPosition(SpecificRecord value, Position position) {
        if (value instanceof MemoryChanged change) {
            return change.getSourcePartition() == position.partition() && change.getSourceOffset() == position.offset();
        }
        if (value instanceof UserActivityDay day) {
            return day.getSourcePartition() == position.partition() && day.getSourceOffset() == position.offset();
        }
        return false;
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
        TraceHeaders.with(headers, traceparent);
        context.forward(new Record<>(position.key(), event, position.timestamp(), headers),
                MemoryChangesTopology.DEAD_LETTERS_SINK);
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
            canonical.append('\u0000').append(field.name()).append('=');
            if (value instanceof java.nio.ByteBuffer bytes) {
                // sealed fields: their bytes (sealing is deterministic, so a retry seals to the same ones)
                byte[] copy = new byte[bytes.remaining()];
                bytes.duplicate().get(copy);
                canonical.append(HexFormat.of().formatHex(copy));
            } else {
                canonical.append(value instanceof Map<?, ?> map ? new TreeMap<>(stringKeys(map)) : value);
            }
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
}
