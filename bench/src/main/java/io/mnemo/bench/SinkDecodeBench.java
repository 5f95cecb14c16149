package io.mnemo.bench;

import io.mnemo.processors.db.ActivityProjectionWriter;
import io.mnemo.processors.sink.ProjectionRecordDeserializer;
import io.mnemo.processors.sink.ProjectionWriter;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.changes.UserActivityDay;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.InMemorySchemaRegistryClient;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jdbi.v3.core.Handle;

/**
 * What a sink's consumer pays to decode memory-changes records: in full (what every sink did for every record) against
 * their source position only (what {@link ProjectionRecordDeserializer} does for a record the projection does not
 * need). Sealed memories with ~300 bytes of content, as the platform writes them; CPU time of this thread per
 * record, rounds alternating, medians. {@code ./bench/run-sink-decode-bench [-Dbench.records=50000]}
 */
public final class SinkDecodeBench {
    private static final String TOPIC = "mnemo.memory-changes.v1";
    /** Passes of each reader before measuring: the full read is still being compiled after three. */
    private static final int WARM_UP_PASSES = 10;

    private SinkDecodeBench() {
    }

    public static void main(String[] args) throws Exception {
        run(Integer.getInteger("bench.records", 50_000), Integer.getInteger("bench.rounds", 5),
                Path.of(System.getProperty("bench.results", "bench/results")));
    }

    static BenchResults run(int records, int rounds, Path resultsDir) throws Exception {
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        ConfluentAvroSerializer serializer = new ConfluentAvroSerializer(registry, true);
        List<byte[]> changes = new ArrayList<>(records);
        List<byte[]> days = new ArrayList<>(records);
        Random random = new Random(42);
        for (MemoryChanged change : SinkBench.generate("bench-decode", records, 42)) {
            MemoryState state = change.getState();
            // sealed as the platform writes them: the cleartext fields empty, the sealed ones ciphertext-sized
            state.setSealedContent(randomBytes(random, state.getContent().length() + 28));
            state.setSealedTags(randomBytes(random, 2 + 28 + 12));
            state.setSealedAttributes(randomBytes(random, 2 + 28 + 16));
            state.setContent("");
            changes.add(serializer.serialize(TOPIC, change));
            days.add(serializer.serialize(TOPIC, UserActivityDay.newBuilder().setTenantId(change.getTenantId())
                    .setUserId(change.getUserId()).setDay(LocalDate.of(2026, 3, 14)).setMemories(3).setMediaBytes(0)
                    .setSourcePartition(0).setSourceOffset(change.getSourceOffset()).build()));
        }
        ProjectionRecordDeserializer full = new ProjectionRecordDeserializer(registry, new NeedsEverything());
        ProjectionRecordDeserializer positionOnly = new ProjectionRecordDeserializer(registry,
                new ActivityProjectionWriter());
        // activity totals: what the memories and search sinks skip
        ProjectionRecordDeserializer skipsDays = new ProjectionRecordDeserializer(registry, new SkipsDays());

        for (int warmUp = 0; warmUp < WARM_UP_PASSES; warmUp++) {
            decode(full, changes);
            decode(positionOnly, changes);
            decode(full, days);
            decode(skipsDays, days);
        }
        double[][] nanos = new double[4][rounds];
        for (int round = 0; round < rounds; round++) {
            nanos[0][round] = decode(full, changes);
            nanos[1][round] = decode(positionOnly, changes);
            nanos[2][round] = decode(full, days);
            nanos[3][round] = decode(skipsDays, days);
        }
        double averageBytes = changes.stream().mapToInt(b -> b.length).average().orElse(0);
        BenchResults table = new BenchResults("sink-decode", List.of("record", "read", "CPU ns per record",
                "vs full read"));
        double fullChange = median(nanos[0]);
        double fullDay = median(nanos[2]);
        table.row(String.format("MemoryChanged, sealed, %.0f bytes", averageBytes), "in full (baseline)",
                fullChange, 1.0);
        table.row(String.format("MemoryChanged, sealed, %.0f bytes", averageBytes), "source position only",
                median(nanos[1]), median(nanos[1]) / fullChange);
        table.row("UserActivityDay", "in full (baseline)", fullDay, 1.0);
        table.row("UserActivityDay", "source position only", median(nanos[3]), median(nanos[3]) / fullDay);
        table.put("method", records + " records per pass, " + WARM_UP_PASSES + " warm-up passes, " + rounds
                + " rounds alternating the readers, medians; CPU time of the decoding thread");
        table.put("rounds (ns per record)", Arrays.deepToString(nanos));
        table.write(resultsDir);
        return table;
    }

    /** CPU ns per record to decode them all with {@code reader}. */
    private static double decode(ProjectionRecordDeserializer reader, List<byte[]> records) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        RecordHeaders headers = new RecordHeaders();
        long checksum = 0;
        long start = threads.getCurrentThreadCpuTime();
        for (byte[] record : records) {
            SpecificRecord value = reader.deserialize(TOPIC, headers, record);
            checksum += value.hashCode() & 1;
        }
        long used = threads.getCurrentThreadCpuTime() - start;
        if (checksum < 0) {
            throw new IllegalStateException("unreachable: keeps the decoded values alive");
        }
        return (double) used / records.size();
    }

    private static ByteBuffer randomBytes(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    /** A projection that needs every record's content (the memories sink's choice for a change). */
    private static class NeedsEverything implements ProjectionWriter<SpecificRecord> {
        @Override
        public String projection() {
            return "bench";
        }

        @Override
        public void write(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
            throw new UnsupportedOperationException("decoding only");
        }
    }

    /** The memories and search sinks' choice: activity totals by position only. */
    private static final class SkipsDays extends NeedsEverything {
        @Override
        public boolean needsContent(String recordType, org.apache.kafka.common.header.Headers headers) {
            return !UserActivityDay.getClassSchema().getFullName().equals(recordType);
        }
    }
}
