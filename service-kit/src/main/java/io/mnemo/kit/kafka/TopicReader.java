package io.mnemo.kit.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a whole topic once, from its beginning to the end offsets taken when the read starts, for tools that fold
 * a log (reconcile, dead-letter listings, status). Records reach {@code each} in order within a partition.
 */
public final class TopicReader {
    private static final Duration POLL = Duration.ofMillis(200);

    private TopicReader() {
    }

    /** Returns how many records were read. The consumer is assigned every partition of the topic (no group). */
    public static <K, V> long readToEnd(Consumer<K, V> consumer, String topic,
                                        java.util.function.Consumer<ConsumerRecord<K, V>> each) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return readTo(consumer, new HashMap<>(consumer.endOffsets(partitions)), each);
    }

    /**
     * Reads the topic from its beginning up to (excluding) the given offsets per partition, e.g. the offsets a
     * projection has consumed; partitions not named are not read. Returns how many records were read.
     */
    public static <K, V> long readTo(Consumer<K, V> consumer, String topic, Map<Integer, Long> endOffsets,
                                     java.util.function.Consumer<ConsumerRecord<K, V>> each) {
        Map<TopicPartition, Long> end = new HashMap<>();
        endOffsets.forEach((partition, offset) -> end.put(new TopicPartition(topic, partition), offset));
        consumer.assign(List.copyOf(end.keySet()));
        consumer.seekToBeginning(end.keySet());
        return readTo(consumer, end, each);
    }

    private static <K, V> long readTo(Consumer<K, V> consumer, Map<TopicPartition, Long> end,
                                      java.util.function.Consumer<ConsumerRecord<K, V>> each) {
        long read = 0;
        while (true) {
            end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            if (end.isEmpty()) {
                return read;
            }
            for (ConsumerRecord<K, V> record : consumer.poll(POLL)) {
                // records past the snapshot (written meanwhile) are not part of this read
                Long last = end.get(new TopicPartition(record.topic(), record.partition()));
                if (last != null && record.offset() < last) {
                    each.accept(record);
                    read++;
                }
            }
        }
    }
}
