package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The order in which {@code mnemo dev} stops what it started, on every path: failure, end, Ctrl-C, or both. */
class TeardownTest {
    private final List<String> stopped = new CopyOnWriteArrayList<>();

    private Teardown.Step stop(String name) {
        return () -> stopped.add(name);
    }

    @Test
    void stopsEverythingInTheReverseOrderItStarted() {
        Teardown teardown = new Teardown();
        teardown.started("devstack", stop("devstack"));
        teardown.started("processors", stop("processors"));
        teardown.started("ingest", stop("ingest"));

        assertThat(teardown.stopAll()).isEmpty();

        assertThat(stopped).containsExactly("ingest", "processors", "devstack");
        assertThat(teardown.isStopped()).isTrue();
    }

    @Test
    void keepsStoppingTheRestWhenOneCannotBeStoppedAndNamesIt() {
        Teardown teardown = new Teardown();
        teardown.started("devstack", stop("devstack"));
        teardown.started("processors", () -> {
            throw new IllegalStateException("no such process");
        });
        teardown.started("environment file", stop("environment file"));

        List<Teardown.Failure> failures = teardown.stopAll();

        assertThat(stopped).containsExactly("environment file", "devstack");
        assertThat(failures).extracting(Teardown.Failure::name).containsExactly("processors");
        assertThat(failures.get(0).cause()).hasMessage("no such process");
    }

    @Test
    void restoresTheInterruptFlagOnlyAfterStoppingTheRest() {
        Teardown teardown = new Teardown();
        teardown.started("devstack", () -> stopped.add("devstack interrupted: " + Thread.currentThread().isInterrupted()));
        teardown.started("processors", () -> {
            throw new InterruptedException();
        });

        List<Teardown.Failure> failures = teardown.stopAll();

        assertThat(Thread.interrupted()).as("interrupt flag restored (and cleared here)").isTrue();
        assertThat(stopped).containsExactly("devstack interrupted: false");
        assertThat(failures).extracting(Teardown.Failure::name).containsExactly("processors");
    }

    @Test
    void stopsOnlyOnceWhenAFailureAndCtrlCStopAtTheSameTime() throws Exception {
        Teardown teardown = new Teardown();
        CountDownLatch stopping = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        teardown.started("devstack", stop("devstack"));
        teardown.started("processors", () -> {
            stopping.countDown();
            release.await(10, TimeUnit.SECONDS);
            stopped.add("processors");
        });
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<List<Teardown.Failure>> ctrlC = threads.submit(teardown::stopAll);
            assertThat(stopping.await(10, TimeUnit.SECONDS)).isTrue();
            Future<List<Teardown.Failure>> failure = threads.submit(teardown::stopAll);
            release.countDown();

            assertThat(ctrlC.get(10, TimeUnit.SECONDS)).isEmpty();
            assertThat(failure.get(10, TimeUnit.SECONDS)).isEmpty();
            // the second caller returned only once everything was stopped: the JVM does not exit half-way
            assertThat(stopped).containsExactly("processors", "devstack");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void stopsWhatFinishesStartingAfterTheStopBeganAndAbortsTheStart() {
        Teardown teardown = new Teardown();
        teardown.started("devstack", stop("devstack"));
        teardown.stopAll();

        assertThatThrownBy(() -> teardown.started("query", stop("query")))
                .isInstanceOf(Teardown.Stopping.class).hasMessageContaining("query");

        assertThat(stopped).containsExactly("devstack", "query");
    }
}
