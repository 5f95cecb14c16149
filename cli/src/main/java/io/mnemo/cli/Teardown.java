package io.mnemo.cli;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What {@code mnemo dev} has started, each registered the moment it is running, stopped in the reverse order
 * exactly once by whichever comes first: a failure while starting, the end of the command, or Ctrl-C. A step that
 * fails does not keep the ones after it from running. Something that finishes starting after the stop began (the
 * start racing Ctrl-C) is stopped at once, and the start is aborted with {@link Stopping}.
 */
final class Teardown {
    /** How to stop one thing that was started. */
    @FunctionalInterface
    interface Step {
        void stop() throws Exception;
    }

    /** A step that threw; the steps after it ran anyway. */
    record Failure(String name, Exception cause) {
    }

    /** Thrown by {@link #started} once the stop has begun: there is nothing left to start for. */
    static final class Stopping extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopping(String message) {
            super(message);
        }
    }

    private record Started(String name, Step stop) {
    }

    private final Deque<Started> started = new ArrayDeque<>();
    private boolean stopped;

    /**
     * Registers how to stop what has just started. If the stop has begun (or ended), stops it right away instead
     * and throws {@link Stopping}.
     */
    void started(String name, Step stop) {
        synchronized (this) {
            if (!stopped) {
                started.push(new Started(name, stop));
                return;
            }
        }
        List<Failure> failures = new ArrayList<>();
        run(List.of(new Started(name, stop)), failures);
        Stopping stopping = new Stopping("Stopping: " + name + " was stopped again as soon as it had started");
        failures.forEach(f -> stopping.addSuppressed(f.cause()));
        throw stopping;
    }

    /**
     * Stops everything registered, newest first, each step even when one before it failed. Only the first call
     * stops anything; a call while it runs waits for it to finish (so a JVM shutting down does not halt half-way),
     * then returns no failures.
     *
     * @return the steps that threw, in the order they ran
     */
    synchronized List<Failure> stopAll() {
        if (stopped) {
            return List.of();
        }
        stopped = true;
        List<Failure> failures = new ArrayList<>();
        run(started, failures);
        started.clear();
        return failures;
    }

    synchronized boolean isStopped() {
        return stopped;
    }

    private static void run(Iterable<Started> steps, List<Failure> failures) {
        boolean interrupted = false;
        for (Started step : steps) {
            try {
                step.stop().stop();
            } catch (InterruptedException e) {
                // stop the rest first (their waits would fail at once with the flag set), restore it afterwards
                interrupted = true;
                failures.add(new Failure(step.name(), e));
            } catch (Exception e) {
                failures.add(new Failure(step.name(), e));
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
