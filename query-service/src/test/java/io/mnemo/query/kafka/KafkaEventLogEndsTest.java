package io.mnemo.query.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KafkaEventLogEndsTest {
    /** Answers the queued ends (or throws the queued failure), counting the reads. */
    private static final class ScriptedLog implements KafkaEventLogEnds.EndReader {
        final Deque<Object> answers = new ArrayDeque<>();
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public long[] read() throws Exception {
            reads.incrementAndGet();
            Object next = answers.size() > 1 ? answers.poll() : answers.peek();
            if (next instanceof Exception e) {
                throw e;
            }
            return (long[]) next;
        }
    }

    @Test
    void answersAPositionBelowTheKnownEndWithoutAskingKafka() {
        ScriptedLog log = new ScriptedLog();
        log.answers.add(new long[] {100, 5});
        KafkaEventLogEnds ends = new KafkaEventLogEnds(2, log, Duration.ofSeconds(5));

        assertThat(ends.endBeyond(0, 100)).hasValue(100);
        assertThat(ends.endBeyond(0, 99)).hasValue(100);
        assertThat(ends.endBeyond(1, 0)).hasValue(5);
        assertThat(log.reads).hasValue(1);
    }

    @Test
    void readsTheEndAgainForAPositionAtOrPastTheKnownEndSoAFreshWriteIsNeverRefused() {
        ScriptedLog log = new ScriptedLog();
        log.answers.add(new long[] {10});
        log.answers.add(new long[] {12});
        KafkaEventLogEnds ends = new KafkaEventLogEnds(1, log, Duration.ofSeconds(5));

        assertThat(ends.endBeyond(0, 3)).hasValue(10);
        // a write took offsets 10 and 11 since: the cached end (10) is not trusted to refuse 11
        assertThat(ends.endBeyond(0, 11)).hasValue(12);
        assertThat(ends.endBeyond(0, 500)).hasValue(12);
        assertThat(log.reads).hasValue(3);
    }

    @Test
    void failsOpenWhenKafkaDoesNotAnswerAndDoesNotAskAgainForAWhile() {
        ScriptedLog log = new ScriptedLog();
        log.answers.add(new long[] {10});
        log.answers.add(new IllegalStateException("broker down"));
        KafkaEventLogEnds ends = new KafkaEventLogEnds(1, log, Duration.ofHours(1));

        assertThat(ends.endBeyond(0, 0)).hasValue(10);
        assertThat(ends.endBeyond(0, 50)).isEmpty();
        assertThat(ends.endBeyond(0, 60)).isEmpty();
        assertThat(log.reads).hasValue(2);
        // what was known still answers positions below it
        assertThat(ends.endBeyond(0, 9)).hasValue(10);
    }

    @Test
    void asksAgainAfterTheRetryPause() {
        ScriptedLog log = new ScriptedLog();
        log.answers.add(new IllegalStateException("broker down"));
        log.answers.add(new long[] {7});
        KafkaEventLogEnds ends = new KafkaEventLogEnds(1, log, Duration.ZERO);

        assertThat(ends.endBeyond(0, 50)).isEmpty();
        assertThat(ends.endBeyond(0, 50)).hasValue(7);
    }
}
