package io.mnemo.cli;

import io.mnemo.kit.kafka.KafkaClientSecurity;
import io.mnemo.kit.kafka.TopicReader;
import io.mnemo.processors.topology.DeadLetters;
import io.mnemo.schemas.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The dead-letter topic read from its beginning: every dead letter with its headers, and which ones are still
 * waiting. The topic alone tells that: the processors write a resolution record when an operator's decision on a
 * blocking dead letter has been applied (which also releases the events parked behind it), and the CLI writes
 * one for the dead letters it retried or discarded itself.
 */
final class DeadLetterLog {
    /** Error class of the resolution records the CLI writes for non-blocking dead letters. */
    static final String CLI_RESOLVED = "io.mnemo.cli.DeadLetterResolved";

    /** One dead letter as read from the topic. */
    record Entry(String id, String key, byte[] value, Headers headers, String sourceTopic, int sourcePartition,
                 long sourceOffset, String errorClass, String reason, Instant time, String eventId, String memory,
                 boolean blocking, String parkedBehind) {
        String kind() {
            if (blocking) {
                return "blocking";
            }
            if (parkedBehind != null) {
                return "parked";
            }
            return "rejected";
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    /** Ids of the dead letters still waiting, in the order they were (last) written. */
    private final Set<String> waiting = new java.util.LinkedHashSet<>();

    static DeadLetterLog read(String bootstrap) {
        DeadLetterLog log = new DeadLetterLog();
        try (var consumer = new KafkaConsumer<String, byte[]>(KafkaClientSecurity.fromEnvironment().applyTo(
                Map.<String, Object>of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                        ConsumerConfig.CLIENT_ID_CONFIG, "mnemo-dlq")),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            // Within a partition records arrive in order, which is all that matters: a user's dead letters and
            // the resolutions about them share the user's key, hence a partition.
            TopicReader.readToEnd(consumer, Topics.DEAD_LETTERS.name(), log::add);
        }
        return log;
    }

    private void add(ConsumerRecord<String, byte[]> record) {
        Headers h = record.headers();
        String errorClass = DeadLetters.header(h, DeadLetters.ERROR_CLASS);
        if (DeadLetters.RESOLVED.equals(errorClass)) {
            // the processors applied a decision on a blocking dead letter: it and what was parked behind it are
            // released (whatever is rejected again on release is written again, after this record)
            String eventId = DeadLetters.header(h, DeadLetters.RESOLVES);
            waiting.removeIf(id -> {
                Entry entry = entries.get(id);
                return eventId.equals(entry.parkedBehind()) || entry.blocking() && eventId.equals(entry.eventId());
            });
            return;
        }
        if (CLI_RESOLVED.equals(errorClass)) {
            waiting.remove(DeadLetters.header(h, DeadLetters.RESOLVES));
            return;
        }
        String topic = DeadLetters.header(h, DeadLetters.SOURCE_TOPIC);
        String partition = DeadLetters.header(h, DeadLetters.SOURCE_PARTITION);
        String offset = DeadLetters.header(h, DeadLetters.SOURCE_OFFSET);
        String time = DeadLetters.header(h, DeadLetters.TIME);
        String id = partition + ":" + offset;
        // a released event rejected again is dead-lettered again: the latest record of a position wins
        entries.put(id, new Entry(id, record.key(), record.value(), h, topic,
                partition == null ? -1 : Integer.parseInt(partition), offset == null ? -1 : Long.parseLong(offset),
                errorClass, DeadLetters.header(h, DeadLetters.REASON), time == null ? null : Instant.parse(time),
                DeadLetters.header(h, DeadLetters.EVENT_ID), DeadLetters.header(h, DeadLetters.MEMORY),
                "true".equals(DeadLetters.header(h, DeadLetters.BLOCKING)),
                DeadLetters.header(h, DeadLetters.PARKED_BEHIND)));
        waiting.remove(id);
        waiting.add(id);
    }

    /** Dead letters nobody has resolved yet, oldest first. */
    List<Entry> waiting() {
        List<Entry> list = new ArrayList<>();
        waiting.forEach(id -> list.add(entries.get(id)));
        list.sort(java.util.Comparator.comparing((Entry e) -> e.time() == null ? Instant.EPOCH : e.time())
                .thenComparing(Entry::sourcePartition).thenComparingLong(Entry::sourceOffset));
        return list;
    }

    Entry get(String id) {
        return entries.get(id);
    }

    boolean isWaiting(String id) {
        return waiting.contains(id);
    }
}
