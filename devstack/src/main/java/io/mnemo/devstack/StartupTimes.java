package io.mnemo.devstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * When each step of a start-up began and ended (milliseconds since the start), recorded from any thread: the
 * broker, each Postgres server, S3, the schema registry, each service until healthy. {@code mnemo dev} writes them
 * to {@code .mnemo/startup-times.json} and prints a one-line summary, so a slow step shows without a profiler.
 */
public final class StartupTimes {

    /** One step: its name and when it began and ended, in milliseconds since the start-up began. */
    public record Step(String name, long startMillis, long endMillis) {
        public long millis() {
            return endMillis - startMillis;
        }
    }

    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    private final long originNanos;
    private final List<Step> steps = new ArrayList<>();

    public StartupTimes() {
        this(System.nanoTime());
    }

    /** Steps are measured from {@code originNanos} (a {@link System#nanoTime()} reading). */
    public StartupTimes(long originNanos) {
        this.originNanos = originNanos;
    }

    /** Runs {@code action} as the step {@code name}; a step that throws is not recorded. */
    public void time(String name, Action action) throws Exception {
        long started = System.nanoTime();
        action.run();
        record(name, started, System.nanoTime());
    }

    /** Calls {@code action} as the step {@code name} and returns its result. */
    public <T> T timeCall(String name, Callable<T> action) throws Exception {
        long started = System.nanoTime();
        T result = action.call();
        record(name, started, System.nanoTime());
        return result;
    }

    /** Records a step measured elsewhere, from two {@link System#nanoTime()} readings. */
    public synchronized void record(String name, long startNanos, long endNanos) {
        steps.add(new Step(name, (startNanos - originNanos) / 1_000_000, (endNanos - originNanos) / 1_000_000));
    }

    /** The steps in the order they began. */
    public synchronized List<Step> steps() {
        List<Step> sorted = new ArrayList<>(steps);
        sorted.sort(Comparator.comparingLong(Step::startMillis).thenComparingLong(Step::endMillis));
        return sorted;
    }

    /** Milliseconds from the start to now. */
    public long elapsedMillis() {
        return (System.nanoTime() - originNanos) / 1_000_000;
    }

    /** One line: {@code started in 14.2 s: kafka 0.0–5.1, postgres-primary 0.0–1.3, ...} (seconds). */
    public String summary(long totalMillis) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "started in %.1f s:", totalMillis / 1e3));
        String separator = " ";
        for (Step step : steps()) {
            line.append(separator).append(String.format(Locale.ROOT, "%s %.1f–%.1f", step.name(),
                    step.startMillis() / 1e3, step.endMillis() / 1e3));
            separator = ", ";
        }
        return line.toString();
    }

    /**
     * Writes {@code {"totalMillis": ..., "steps": [{"name": ..., "startMillis": ..., "endMillis": ...,
     * "millis": ...}]}} atomically (plain JDK: the devstack has no JSON library of its own).
     */
    public void writeJson(Path file, long totalMillis) throws IOException {
        StringBuilder json = new StringBuilder("{\n  \"totalMillis\": ").append(totalMillis).append(",\n  \"steps\": [");
        String separator = "\n";
        for (Step step : steps()) {
            json.append(separator).append(String.format(Locale.ROOT,
                    "    {\"name\": \"%s\", \"startMillis\": %d, \"endMillis\": %d, \"millis\": %d}",
                    step.name().replace("\\", "\\\\").replace("\"", "\\\""), step.startMillis(), step.endMillis(),
                    step.millis()));
            separator = ",\n";
        }
        json.append("\n  ]\n}\n");
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, json, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
