package io.mnemo.processors.it;

import io.mnemo.schemas.Topics;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.events.MemoryForgotten;
import io.mnemo.schemas.events.MemoryRevised;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A seeded script of captures, revisions (some moving a memory to another month) and forgets for one tenant,
 * with some events delivered twice, and the projection it must produce: the expectation is computed from the
 * script, independently of the processors.
 */
final class EventLoad {
    /** What the projection must hold for one memory at the end. */
    record Expected(String userId, UUID memoryId, String content, Instant occurredAt, long version, boolean deleted) {
    }

    final String tenant;
    final List<ProducerRecord<String, SpecificRecord>> records = new ArrayList<>();
    final Map<UUID, Expected> expected = new HashMap<>();
    int duplicates;

    EventLoad(String tenant, int users, int memories, long seed) {
        this.tenant = tenant;
        Random random = new Random(seed);
        Instant base = Instant.parse("2026-06-15T12:00:00Z");
        List<Deque<SpecificRecord>> perMemory = new ArrayList<>();
        for (int m = 0; m < memories; m++) {
            String user = "user-" + random.nextInt(users);
            UUID memoryId = new UUID(seed, m);
            Instant occurredAt = base.minus(random.nextInt(200), ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS);
            Deque<SpecificRecord> events = new ArrayDeque<>();
            String content = "memory " + m;
            events.add(MemoryCaptured.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId(user)
                    .setRecordedAt(base).setMemoryId(memoryId).setOccurredAt(occurredAt).setContent(content)
                    .setTags(List.of("t" + random.nextInt(5))).setAttributes(Map.of("n", Integer.toString(m)))
                    .setMediaIds(List.of()).build());
            long version = 1;
            int revisions = random.nextInt(10) < 3 ? 1 + random.nextInt(2) : 0;
            for (int r = 0; r < revisions; r++) {
                content = "memory " + m + " revised " + (r + 1);
                Instant moved = random.nextBoolean() ? occurredAt.minus(40 + random.nextInt(60), ChronoUnit.DAYS)
                        : null;
                if (moved != null) {
                    occurredAt = moved;
                }
                events.add(MemoryRevised.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant)
                        .setUserId(user).setRecordedAt(base).setMemoryId(memoryId).setContent(content)
                        .setOccurredAt(moved).build());
                version++;
            }
            boolean forgotten = random.nextInt(10) == 0;
            if (forgotten) {
                events.add(MemoryForgotten.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant)
                        .setUserId(user).setRecordedAt(base).setMemoryId(memoryId).build());
                version++;
            }
            expected.put(memoryId, new Expected(user, memoryId, content, occurredAt, version, forgotten));
            perMemory.add(events);
        }
        // Interleave the memories' events at random while keeping each memory's own order.
        List<Deque<SpecificRecord>> pending = new ArrayList<>(perMemory);
        while (!pending.isEmpty()) {
            int pick = random.nextInt(pending.size());
            SpecificRecord event = pending.get(pick).poll();
            if (pending.get(pick).isEmpty()) {
                pending.set(pick, pending.get(pending.size() - 1));
                pending.remove(pending.size() - 1);
            }
            String user = String.valueOf(event.get(event.getSchema().getField("userId").pos()));
            ProducerRecord<String, SpecificRecord> record =
                    new ProducerRecord<>(Topics.MEMORY_EVENTS.name(), Topics.userKey(tenant, user), event);
            records.add(record);
            // a producer retry or a redelivery: the very same event again
            if (random.nextInt(20) == 0) {
                records.add(record);
                duplicates++;
            }
        }
    }

    long live() {
        return expected.values().stream().filter(e -> !e.deleted()).count();
    }

    long liveVersionSum() {
        return expected.values().stream().filter(e -> !e.deleted()).mapToLong(Expected::version).sum();
    }
}
