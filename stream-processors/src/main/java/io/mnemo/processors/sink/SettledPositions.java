package io.mnemo.processors.sink;

import io.mnemo.schemas.changes.EventSettled;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.UserActivityDay;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Event-log positions a batch of memory-changes records completes: per event-log partition, the highest source
 * offset of a record that closes its position (one without the {@code mnemo.position.open} header). Once such a
 * record is written, everything the processors published for that event and every earlier one of its partition
 * is written too: what a projection's read-your-writes watermark may claim.
 */
public final class SettledPositions {
    /** Same name as the processor's header (the topology package must not depend on the sinks, nor they on it). */
    static final String POSITION_OPEN = "mnemo.position.open";

    private SettledPositions() {
    }

    public static Map<Integer, Long> of(List<ConsumerRecord<String, SpecificRecord>> batch) {
        Map<Integer, Long> settled = new TreeMap<>();
        for (ConsumerRecord<String, SpecificRecord> record : batch) {
            if (record.headers().lastHeader(POSITION_OPEN) != null) {
                continue;
            }
            SpecificRecord value = record.value();
            if (value instanceof MemoryChanged change) {
                settled.merge(change.getSourcePartition(), change.getSourceOffset(), Math::max);
            } else if (value instanceof EventSettled settlement) {
                settled.merge(settlement.getSourcePartition(), settlement.getSourceOffset(), Math::max);
            } else if (value instanceof UserActivityDay day) {
                settled.merge(day.getSourcePartition(), day.getSourceOffset(), Math::max);
            }
        }
        return settled;
    }
}
