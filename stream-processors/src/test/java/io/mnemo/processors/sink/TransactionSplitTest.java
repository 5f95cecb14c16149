package io.mnemo.processors.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

class TransactionSplitTest {
    /** Values "heavy" are costly; at most two of them per transaction. */
    private static final ProjectionWriter<String> WRITER = new ProjectionWriter<>() {
        @Override
        public String projection() {
            return "test";
        }

        @Override
        public void write(Handle transaction, List<ConsumerRecord<String, String>> batch) {
        }

        @Override
        public boolean isCostly(String value) {
            return value.equals("heavy");
        }

        @Override
        public int maxCostlyPerTransaction() {
            return 2;
        }
    };

    @Test
    void cheapRecordsTravelInOneTransaction() {
        List<ConsumerRecord<String, String>> polled = records("a", "b", "c", "d", "e");
        assertThat(transactions(WRITER, polled)).containsExactly(5);
    }

    @Test
    void aTransactionHoldsAtMostTheWritersCostlyRecordsAndTheCheapOnesAroundThem() {
        List<ConsumerRecord<String, String>> polled = records("a", "heavy", "b", "heavy", "c", "heavy", "d", "heavy",
                "heavy", "e");
        // [a heavy b heavy c] [heavy d heavy] [heavy e]
        assertThat(transactions(WRITER, polled)).containsExactly(5, 3, 2);
    }

    @Test
    void aWriterWithoutCostlyRecordsNeverSplits() {
        ProjectionWriter<String> plain = new ProjectionWriter<>() {
            @Override
            public String projection() {
                return "plain";
            }

            @Override
            public void write(Handle transaction, List<ConsumerRecord<String, String>> batch) {
            }
        };
        assertThat(transactions(plain, records("heavy", "heavy", "heavy"))).containsExactly(3);
    }

    private static List<Integer> transactions(ProjectionWriter<String> writer, List<ConsumerRecord<String, String>> polled) {
        List<Integer> sizes = new ArrayList<>();
        int from = 0;
        while (from < polled.size()) {
            int to = PostgresProjectionSink.endOfTransaction(writer, polled, from);
            sizes.add(to - from);
            from = to;
        }
        return sizes;
    }

    private static List<ConsumerRecord<String, String>> records(String... values) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            records.add(new ConsumerRecord<>("t", 0, i, "k", values[i]));
        }
        return records;
    }
}
