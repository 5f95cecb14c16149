package io.mnemo.processors.topology;

import io.mnemo.schemas.changes.MediaRef;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.changes.UserActivityDay;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Each user's activity per UTC day of {@code occurredAt}: live memories and the bytes of their media, as absolute
 * totals. A change moves the memory's contribution from its old day to its new one.
 */
final class ActivityTotals {
    private final KeyValueStore<String, SpecificRecord> days;

    ActivityTotals(KeyValueStore<String, SpecificRecord> days) {
        this.days = days;
    }

    /**
     * Applies a memory's change and returns the totals of every day it changed (zeros for a day now empty), stamped
     * with the position of the event being processed: a released parked event changes the totals as of now, so
     * its older offset must not make the sink's newer-offset guard drop them.
     */
    List<UserActivityDay> move(MemoryChanged last, MemoryChanged next, int sourcePartition, long sourceOffset) {
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
        List<UserActivityDay> changed = new ArrayList<>();
        deltas.forEach((day, delta) -> {
            if (delta[0] == 0 && delta[1] == 0) {
                return;
            }
            String key = key(next.getTenantId(), next.getUserId(), day);
            UserActivityDay current = (UserActivityDay) days.get(key);
            long memories = (current == null ? 0 : current.getMemories()) + delta[0];
            long bytes = (current == null ? 0 : current.getMediaBytes()) + delta[1];
            UserActivityDay total = UserActivityDay.newBuilder().setTenantId(next.getTenantId())
                    .setUserId(next.getUserId()).setDay(day).setMemories(memories).setMediaBytes(bytes)
                    .setSourcePartition(sourcePartition).setSourceOffset(sourceOffset).build();
            if (memories == 0 && bytes == 0) {
                days.delete(key);
            } else {
                days.put(key, total);
            }
            changed.add(total);
        });
        return changed;
    }

    static String key(String tenant, String user, LocalDate day) {
        return tenant + "/" + user + "/" + day;
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
}
