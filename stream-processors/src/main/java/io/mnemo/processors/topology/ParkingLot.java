package io.mnemo.processors.topology;

import io.mnemo.processors.core.MemoryKey;
import io.mnemo.processors.core.UserKey;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Memories blocked behind a dead letter, and the events parked behind it in log order (the blocking event
 * first). Keys: the memory for the block; memory + zero-padded source offset for parked events, so the store's
 * byte order is the log order.
 */
final class ParkingLot {
    /** A parked event with its own source offset (a released event's changes point at it). */
    record Parked(long offset, SpecificRecord event) {
    }

    private final KeyValueStore<String, String> blocked;
    private final KeyValueStore<String, SpecificRecord> parked;

    ParkingLot(KeyValueStore<String, String> blocked, KeyValueStore<String, SpecificRecord> parked) {
        this.blocked = blocked;
        this.parked = parked;
    }

    /** Event id of the dead letter that blocks the memory, or null when it is not blocked. */
    String blockerOf(MemoryKey memory) {
        String value = blocked.get(memory.toString());
        return value == null ? null : value.substring(value.indexOf(':') + 1);
    }

    void block(MemoryKey memory, long offset, String eventId, SpecificRecord event) {
        blocked.put(memory.toString(), offset + ":" + eventId);
        park(memory, offset, event);
    }

    void park(MemoryKey memory, long offset, SpecificRecord event) {
        parked.put(parkedKey(memory, offset), event);
    }

    /** Unblocks the memory and hands back its queue, the blocking event first. */
    List<Parked> release(MemoryKey memory) {
        List<Parked> queue = new ArrayList<>();
        for (KeyValue<String, SpecificRecord> entry : scan(parked, memory + "/")) {
            parked.delete(entry.key);
            queue.add(new Parked(Long.parseLong(entry.key.substring(entry.key.lastIndexOf('/') + 1)), entry.value));
        }
        blocked.delete(memory.toString());
        return queue;
    }

    /** Drops every block and parked event of the user (an erasure). */
    void dropUser(UserKey user) {
        for (KeyValue<String, String> entry : scan(blocked, user.prefix())) {
            blocked.delete(entry.key);
        }
        for (KeyValue<String, SpecificRecord> entry : scan(parked, user.prefix())) {
            parked.delete(entry.key);
        }
    }

    private static String parkedKey(MemoryKey memory, long offset) {
        return memory + "/" + String.format("%019d", offset);
    }

    static <V> List<KeyValue<String, V>> scan(KeyValueStore<String, V> store, String prefix) {
        List<KeyValue<String, V>> entries = new ArrayList<>();
        try (KeyValueIterator<String, V> iterator = store.prefixScan(prefix, new StringSerializer())) {
            iterator.forEachRemaining(entries::add);
        }
        return entries;
    }
}
