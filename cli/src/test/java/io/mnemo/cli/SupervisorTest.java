package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.devstack.ChildJvm;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dev runner's restart policy on real OS processes ({@code sleep}, {@code sh -c 'exit 3'}). */
class SupervisorTest {
    private static final Supervisor.Policy FAST = new Supervisor.Policy(3, Duration.ofMillis(100),
            Duration.ofMillis(400), Duration.ofSeconds(2), Duration.ofMillis(20));

    @TempDir
    Path dir;

    private final StringWriter console = new StringWriter();
    private final List<ShellProcess> started = new ArrayList<>();
    private Supervisor supervisor;

    /** A process that is started again with the same command, "healthy" if still alive 150 ms after its start. */
    private final class ShellProcess implements Supervisor.Component {
        final String name;
        final String command;
        volatile Process process;

        ShellProcess(String name, String command) throws IOException {
            this.name = name;
            this.command = command;
            this.process = launch();
            started.add(this);
        }

        private Process launch() throws IOException {
            return new ProcessBuilder("sh", "-c", command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public String exitDescription() {
            return ChildJvm.describeExit(process);
        }

        @Override
        public void restart() throws Exception {
            process = launch();
            TimeUnit.MILLISECONDS.sleep(150);
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + exitDescription() + "; see " + log());
            }
        }

        @Override
        public Path log() {
            return dir.resolve(name + ".log");
        }

        @Override
        public long pid() {
            return process.pid();
        }
    }

    private Supervisor supervise(Supervisor.Component... components) {
        supervisor = new Supervisor(List.of(components), FAST, new PrintWriter(console, true),
                dir.resolve(Supervisor.STATE_FILE), Clock.systemUTC()).start();
        return supervisor;
    }

    private JsonNode state(String name) throws IOException {
        return new ObjectMapper().readTree(dir.resolve(Supervisor.STATE_FILE).toFile()).path("processes").path(name);
    }

    @AfterEach
    void stopAll() throws Exception {
        if (supervisor != null) {
            supervisor.close();
        }
        for (ShellProcess process : started) {
            process.process.destroyForcibly().waitFor();
        }
    }

    @Test
    void aProcessKilledWithSignal9IsReportedAtOnceAndStartedAgain() throws Exception {
        ShellProcess service = new ShellProcess("processors", "exec sleep 60");
        supervise(service);
        long firstPid = service.pid();

        service.process.destroyForcibly().waitFor();

        await().atMost(Duration.ofSeconds(5)).until(() -> console.toString()
                .contains("processors exited (signal 9); restarting in 0.1 s, restart 1 of 3"));
        await().atMost(Duration.ofSeconds(5)).until(() -> console.toString().contains("processors is back (pid "));
        assertThat(service.isAlive()).isTrue();
        assertThat(service.pid()).isNotEqualTo(firstPid);
        JsonNode state = state("processors");
        assertThat(state.path("state").asText()).isEqualTo("running");
        assertThat(state.path("restarts").asInt()).isEqualTo(1);
        assertThat(state.path("lastExit").asText()).isEqualTo("signal 9");
        assertThat(state.path("pid").asLong()).isEqualTo(service.pid());
    }

    @Test
    void aProcessThatCrashesOnEveryStartIsLeftDownWithItsLogWhileTheOthersKeepRunning() throws Exception {
        ShellProcess healthy = new ShellProcess("query", "exec sleep 60");
        ShellProcess crashing = new ShellProcess("ingest", "exit 3");
        long healthyPid = healthy.pid();
        supervise(healthy, crashing);

        await().atMost(Duration.ofSeconds(10)).until(() -> console.toString().contains("leaving it down"));
        String printed = console.toString();
        assertThat(printed).contains("ingest exited (exit code 3); restarting in 0.1 s, restart 1 of 3",
                "restarting in 0.2 s, restart 2 of 3", "restarting in 0.4 s, restart 3 of 3",
                "ingest exited (exit code 3) after 3 restarts in a row; leaving it down. Its log: "
                        + crashing.log());
        JsonNode state = state("ingest");
        assertThat(state.path("state").asText()).isEqualTo("gave_up");
        assertThat(state.path("restarts").asInt()).isEqualTo(3);
        assertThat(state.path("log").asText()).isEqualTo(crashing.log().toString());
        // given up: no more restarts
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> console.toString().equals(printed));
        assertThat(healthy.isAlive()).isTrue();
        assertThat(healthy.pid()).isEqualTo(healthyPid);
        assertThat(state("query").path("restarts").asInt()).isZero();
    }

    @Test
    void restartsInARowCountFromZeroOnceTheProcessHasStayedUp() throws Exception {
        ShellProcess service = new ShellProcess("query", "exec sleep 60");
        supervise(service);

        service.process.destroyForcibly().waitFor();
        await().atMost(Duration.ofSeconds(5)).until(() -> console.toString().contains("query is back"));
        // up for longer than stableAfter (2 s): the next crash is the first in a row again, not the second
        await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(5)).until(service::isAlive);
        service.process.destroyForcibly().waitFor();
        await().atMost(Duration.ofSeconds(5)).until(() -> state("query").path("restarts").asInt() == 2
                && state("query").path("state").asText().equals("running"));

        assertThat(console.toString()).doesNotContain("restart 2 of 3");
        assertThat(console.toString().split("restart 1 of 3", -1)).hasSize(3);
    }

    @Test
    void afterCloseAStoppedProcessIsNotTakenForACrash() throws Exception {
        ShellProcess service = new ShellProcess("processors", "exec sleep 60");
        supervise(service);

        supervisor.close();
        service.process.destroyForcibly().waitFor();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> console.toString().isEmpty());
        assertThat(service.isAlive()).isFalse();
        assertThat(Files.exists(dir.resolve(Supervisor.STATE_FILE))).as("removed with the platform").isFalse();
    }

    @Test
    void backoffDoublesForEachRestartInARowUpToTheMaximum() {
        Supervisor.Policy policy = Supervisor.Policy.DEFAULT;
        assertThat(List.of(1, 2, 3, 4, 5, 6, 40).stream().map(policy::backoff).map(Duration::toSeconds))
                .containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L);
    }
}
