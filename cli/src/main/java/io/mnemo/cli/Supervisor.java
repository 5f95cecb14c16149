package io.mnemo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mnemo dev}'s restart policy, as a container runtime's {@code on-failure} policy with back-off: a process
 * that exits while the platform runs is reported on the console at once, started again after 1 s, 2 s, 4 s ... (at
 * most {@link Policy#maxBackoff}), and left down with the path to its log after {@link Policy#maxRestarts} restarts
 * in a row that did not stay up for {@link Policy#stableAfter}. A restarted service resumes where it left off: the
 * processors from the offsets committed with their writes, ingest and query have no state of their own.
 *
 * <p>Each process's state is written to {@code supervisor.json} next to the environment file on every change, for
 * {@code mnemo status}. Closing the supervisor stops its watching (and any restart under way) before the platform
 * is stopped, so nothing stopped on purpose is taken for a crash.
 */
final class Supervisor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
    static final String STATE_FILE = "supervisor.json";

    /** A process the supervisor watches and starts again. */
    interface Component {
        String name();

        boolean isAlive();

        /** How it ended, e.g. {@code signal 9} or {@code exit code 1}. */
        String exitDescription();

        /** Starts it again and waits until it is healthy; throws if it cannot. */
        void restart() throws Exception;

        Path log();

        long pid();
    }

    /**
     * @param maxRestarts restarts in a row before the process is left down
     * @param firstBackoff wait before the first restart, doubled for each restart in a row
     * @param stableAfter up this long after a restart, a process's restarts in a row count from zero again
     */
    record Policy(int maxRestarts, Duration firstBackoff, Duration maxBackoff, Duration stableAfter,
                  Duration checkInterval) {
        static final Policy DEFAULT = new Policy(5, Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(60), Duration.ofMillis(250));

        Duration backoff(int restartInARow) {
            long millis = firstBackoff.toMillis() << Math.min(20, Math.max(0, restartInARow - 1));
            return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
        }
    }

    enum State {
        RUNNING("running"), RESTARTING("restarting"), GAVE_UP("down, gave up");

        final String label;

        State(String label) {
            this.label = label;
        }
    }

    /** What the supervisor knows of one process; guarded by the supervisor's lock. */
    private static final class Watched {
        final Component component;
        State state = State.RUNNING;
        int restarts;
        int inARow;
        String lastExit;
        Instant lastExitAt;
        Instant upSince;

        Watched(Component component, Instant now) {
            this.component = component;
            this.upSince = now;
        }
    }

    private final List<Watched> watched = new ArrayList<>();
    private final Policy policy;
    private final PrintWriter console;
    private final Path stateFile;
    private final Clock clock;
    private final ExecutorService restarts;
    private final Thread watcher;
    private volatile boolean closed;

    Supervisor(List<? extends Component> components, Policy policy, PrintWriter console, Path stateFile,
               Clock clock) {
        this.policy = policy;
        this.console = console;
        this.stateFile = stateFile;
        this.clock = clock;
        Instant now = clock.instant();
        components.forEach(component -> watched.add(new Watched(component, now)));
        this.restarts = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "mnemo-dev-restart");
            thread.setDaemon(true);
            return thread;
        });
        this.watcher = new Thread(this::watch, "mnemo-dev-supervisor");
        this.watcher.setDaemon(true);
    }

    /** Starts watching (the processes are running and healthy). */
    Supervisor start() {
        writeState();
        watcher.start();
        return this;
    }

    private void watch() {
        try {
            while (!closed) {
                check();
                TimeUnit.MILLISECONDS.sleep(policy.checkInterval().toMillis());
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** One look at every process: a running one that has exited is reported and its restart scheduled. */
    synchronized void check() {
        Instant now = clock.instant();
        for (Watched process : watched) {
            if (closed || process.state != State.RUNNING) {
                continue;
            }
            if (process.component.isAlive()) {
                if (process.inARow > 0 && Duration.between(process.upSince, now).compareTo(policy.stableAfter()) >= 0) {
                    process.inARow = 0;
                }
                continue;
            }
            crashed(process, process.component.exitDescription(), now);
        }
    }

    /** Counts a crash (an exit, or a restart that failed) and schedules the next restart or gives up. */
    private void crashed(Watched process, String how, Instant now) {
        Component component = process.component;
        process.lastExit = how;
        process.lastExitAt = now;
        if (process.inARow >= policy.maxRestarts()) {
            process.state = State.GAVE_UP;
            say(String.format("%s exited (%s) after %d restarts in a row; leaving it down. Its log: %s",
                    component.name(), how, process.inARow, component.log()));
            LOG.error("{} gave up after {} restarts in a row (last: {}); log {}", component.name(), process.inARow,
                    how, component.log());
            writeState();
            return;
        }
        process.inARow++;
        process.restarts++;
        process.state = State.RESTARTING;
        Duration wait = policy.backoff(process.inARow);
        say(String.format("%s exited (%s); restarting in %s, restart %d of %d", component.name(), how,
                seconds(wait), process.inARow, policy.maxRestarts()));
        writeState();
        restarts.execute(() -> restart(process, wait));
    }

    private void restart(Watched process, Duration wait) {
        Component component = process.component;
        try {
            TimeUnit.MILLISECONDS.sleep(wait.toMillis());
            if (closed) {
                return;
            }
            long started = System.nanoTime();
            component.restart();
            synchronized (this) {
                if (closed) {
                    return;
                }
                process.state = State.RUNNING;
                process.upSince = clock.instant();
                say(String.format("%s is back (pid %d, healthy in %.1f s)", component.name(), component.pid(),
                        (System.nanoTime() - started) / 1e9));
                writeState();
            }
        } catch (InterruptedException e) {
            // closing: whatever the restart launched is stopped with the platform
        } catch (Exception e) {
            synchronized (this) {
                if (!closed) {
                    LOG.warn("{} did not come back", component.name(), e);
                    say(String.format("%s did not come back: %s", component.name(),
                            e.getMessage() == null ? e.toString() : e.getMessage()));
                    crashed(process, component.isAlive() ? "restart failed" : component.exitDescription(),
                            clock.instant());
                }
            }
        }
    }

    private void say(String line) {
        synchronized (console) {
            console.println(line);
            console.flush();
        }
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format("%.1f s", millis / 1000.0);
    }

    /** The state as {@code mnemo status} reads it. */
    synchronized Map<String, Object> snapshot() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("supervisorPid", ProcessHandle.current().pid());
        state.put("updatedAt", clock.instant().toString());
        Map<String, Object> processes = new LinkedHashMap<>();
        for (Watched process : watched) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("state", process.state.name().toLowerCase(java.util.Locale.ROOT));
            one.put("pid", process.state == State.RUNNING ? process.component.pid() : null);
            one.put("restarts", process.restarts);
            one.put("restartsInARow", process.inARow);
            one.put("lastExit", process.lastExit);
            one.put("lastExitAt", process.lastExitAt == null ? null : process.lastExitAt.toString());
            one.put("log", process.component.log().toString());
            processes.put(process.component.name(), one);
        }
        state.put("processes", processes);
        return state;
    }

    private void writeState() {
        if (stateFile == null) {
            return;
        }
        try {
            Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), snapshot());
            Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("cannot write {}", stateFile, e);
        }
    }

    /** Stops watching and abandons restarts under way; the processes themselves are stopped by the caller. */
    @Override
    public void close() throws InterruptedException, IOException {
        synchronized (this) {
            closed = true;
        }
        watcher.interrupt();
        restarts.shutdownNow();
        watcher.join(5_000);
        restarts.awaitTermination(10, TimeUnit.SECONDS);
        if (stateFile != null) {
            Files.deleteIfExists(stateFile);
        }
    }
}
