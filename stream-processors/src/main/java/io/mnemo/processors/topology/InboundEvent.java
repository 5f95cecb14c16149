package io.mnemo.processors.topology;

import io.mnemo.processors.core.MemoryKey;
import io.mnemo.processors.core.UserKey;

import io.mnemo.schemas.events.DeadLetterResolved;
import io.mnemo.schemas.events.MediaStaged;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.events.MemoryForgotten;
import io.mnemo.schemas.events.MemoryRevised;
import io.mnemo.schemas.events.UserErased;
import org.apache.avro.specific.SpecificRecord;

/**
 * An event of the event log, typed once at the door so the rest of the processor never casts: each kind the
 * processor understands, and {@link Unsupported} for a record it does not (a newer event type, a record without
 * the envelope fields), which is dead-lettered instead of failing the stream thread.
 */
sealed interface InboundEvent {
    SpecificRecord record();

    static InboundEvent of(SpecificRecord record) {
        if (record instanceof MemoryCaptured e) {
            return new Capture(e);
        }
        if (record instanceof MemoryRevised e) {
            return new Revision(e);
        }
        if (record instanceof MemoryForgotten e) {
            return new Forget(e);
        }
        if (record instanceof MediaStaged e) {
            return new Staging(e);
        }
        if (record instanceof UserErased e) {
            return new Erasure(e);
        }
        if (record instanceof DeadLetterResolved e) {
            return new Resolution(e);
        }
        return new Unsupported(record);
    }

    /** Events that carry the envelope (event id, tenant, user). */
    sealed interface Known extends InboundEvent {
        String eventId();

        UserKey user();
    }

    /** Events of one memory, applied in log order by {@link MemoryFold}. */
    sealed interface OfMemory extends Known {
        MemoryKey memory();
    }

    record Capture(MemoryCaptured record) implements OfMemory {
        public String eventId() {
            return record.getEventId().toString();
        }

        public UserKey user() {
            return new UserKey(record.getTenantId(), record.getUserId());
        }

        public MemoryKey memory() {
            return new MemoryKey(user(), record.getMemoryId());
        }
    }

    record Revision(MemoryRevised record) implements OfMemory {
        public String eventId() {
            return record.getEventId().toString();
        }

        public UserKey user() {
            return new UserKey(record.getTenantId(), record.getUserId());
        }

        public MemoryKey memory() {
            return new MemoryKey(user(), record.getMemoryId());
        }
    }

    record Forget(MemoryForgotten record) implements OfMemory {
        public String eventId() {
            return record.getEventId().toString();
        }

        public UserKey user() {
            return new UserKey(record.getTenantId(), record.getUserId());
        }

        public MemoryKey memory() {
            return new MemoryKey(user(), record.getMemoryId());
        }
    }

    record Staging(MediaStaged record) implements Known {
        public String eventId() {
            return record.getEventId().toString();
        }

        public UserKey user() {
            return new UserKey(record.getTenantId(), record.getUserId());
        }
    }

    record Erasure(UserErased record) implements Known {
        public String eventId() {
            return record.getEventId().toString();
        }

        public UserKey user() {
            return new UserKey(record.getTenantId(), record.getUserId());
        }
    }

    record Resolution(DeadLetterResolved record) implements Known {
        public String eventId() {
            return record.getEventId().toString();
        }

        public UserKey user() {
            return new UserKey(record.getTenantId(), record.getUserId());
        }

        MemoryKey memory() {
            return new MemoryKey(user(), record.getMemoryId());
        }
    }

    record Unsupported(SpecificRecord record) implements InboundEvent {
        String reason() {
            return "unsupported event type " + record.getSchema().getFullName();
        }
    }
}
