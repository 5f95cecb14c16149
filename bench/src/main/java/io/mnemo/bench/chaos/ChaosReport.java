package io.mnemo.bench.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One line of the reliability table per fault: printed always, and appended to the markdown file named by the
 * system property {@code mnemo.chaos.report} (set by {@code bench/run-chaos}, which runs the chaos suite at full
 * size and collects the table of every fault of the run).
 */
public final class ChaosReport {
    public static final String HEADER = "| fault | topology | load | requests | 2xx | non-2xx | connection errors "
            + "| memories accepted | lost | doubled | stale | recovery |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|\n";

    private ChaosReport() {
    }

    /** The fault's line, from its ledger, the final check and the recovery watch. */
    public static String line(String fault, String topology, double rate, Duration load, Ledger ledger,
                              LedgerCheck.Result result, Optional<Duration> recovery) {
        Map<Integer, Long> answers = ledger.answersByStatus();
        long ok = answers.entrySet().stream().filter(e -> e.getKey() / 100 == 2).mapToLong(Map.Entry::getValue)
                .sum();
        String refused = answers.entrySet().stream().filter(e -> e.getKey() / 100 != 2)
                .map(e -> e.getValue() + " × " + e.getKey()).collect(Collectors.joining(", "));
        return String.format("| %s | %s | %.0f/s × %d s | %d | %d | %s | %d | %d | %d | %d | %d | %s |", fault,
                topology, rate, load.toSeconds(), ledger.requests(), ok, refused.isEmpty() ? "0" : refused,
                ledger.connectionFailures(), result.accepted(), result.lost().size(), result.doubled().size(),
                result.stale().size(), recovery.map(d -> String.format("%.1f s", d.toMillis() / 1000.0))
                        .orElse("not within the limit"));
    }

    /** Prints the line and appends it to the run's report file, if there is one. */
    public static void record(String line) {
        System.out.println("chaos report: " + line);
        String file = System.getProperty("mnemo.chaos.report");
        if (file == null || file.isBlank()) {
            return;
        }
        try {
            Path path = Path.of(file);
            if (!Files.exists(path)) {
                Files.createDirectories(path.toAbsolutePath().getParent());
                Files.writeString(path, HEADER, StandardCharsets.UTF_8);
            }
            Files.writeString(path, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
