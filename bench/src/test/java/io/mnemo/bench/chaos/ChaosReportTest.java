package io.mnemo.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChaosReportTest {
    @Test
    void aLineCountsRequestsAnswersAndTheCheckAndAppendsUnderTheHeaderOnce(@TempDir Path dir) throws Exception {
        Ledger ledger = new Ledger();
        ledger.answered(202);
        ledger.answered(202);
        ledger.answered(503);
        ledger.connectionFailed(new java.net.ConnectException("refused"));
        ledger.accepted("k1", "u", "m1", "c1");
        ledger.accepted("k2", "u", "m2", "c2");
        LedgerCheck.Result result = new LedgerCheck.Result(2, 2, List.of(), List.of(), List.of("k2: listed \"x\""), 0);

        String line = ChaosReport.line("a fault", "--ha", 30, Duration.ofSeconds(40), ledger, result,
                Optional.of(Duration.ofMillis(2_345)));

        assertThat(line).isEqualTo("| a fault | --ha | 30/s × 40 s | 4 | 2 | 1 × 503 | 1 | 2 | 0 | 0 | 1 | 2.3 s |");
        Path report = dir.resolve("chaos.md");
        System.setProperty("mnemo.chaos.report", report.toString());
        try {
            ChaosReport.record(line);
            ChaosReport.record(line);
        } finally {
            System.clearProperty("mnemo.chaos.report");
        }
        assertThat(Files.readString(report)).isEqualTo(ChaosReport.HEADER + line + "\n" + line + "\n");
    }

    @Test
    void aSnapshotKeepsWhatWasAcceptedSoFarAndNotWhatComesAfter() {
        Ledger ledger = new Ledger();
        ledger.accepted("k1", "u", "m1", "c1");
        Ledger snapshot = ledger.snapshot();
        ledger.accepted("k2", "u", "m2", "c2");

        assertThat(snapshot.accepted()).containsOnlyKeys("k1");
        assertThat(ledger.accepted()).containsOnlyKeys("k1", "k2");
    }
}
