package io.mnemo.processors.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MaintenancePhaseTest {
    @Test
    void everyPhaseIsReadBackFromItsLabel() {
        for (MaintenancePhase phase : MaintenancePhase.values()) {
            assertThat(Labelled.ofLabel(MaintenancePhase.class, phase.label())).isSameAs(phase);
        }
        assertThat(Arrays.stream(MaintenancePhase.values()).map(MaintenancePhase::label).distinct())
                .hasSize(MaintenancePhase.values().length);
    }

    @Test
    void anUnknownLabelFailsTheReadInsteadOfPassingForAPhase() {
        assertThatThrownBy(() -> Labelled.ofLabel(MaintenancePhase.class, "Swapped"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Swapped'");
    }

    @Test
    void theOldCopyOfASwapIsToldBeforeTheVerdict() {
        assertThat(swap(OldCopy.TO_DROP, "checksums equal to the live table").describe())
                .isEqualTo("old copy to drop: mnemo_retired_memories_x; checksums equal to the live table");
        assertThat(swap(OldCopy.KEPT, "v").describe()).isEqualTo("old copy kept in mnemo_retired_memories_x; v");
        assertThat(swap(OldCopy.DROPPED, null).describe()).isEqualTo("old copy dropped: mnemo_retired_memories_x");
        assertThat(new MaintenanceRun("memories", MaintenanceOperation.REPLAY, MaintenancePhase.DONE, null, 3, 3L,
                "{0=3}", null, Instant.EPOCH, Instant.EPOCH, Instant.EPOCH).describe()).isEqualTo("{0=3}");
    }

    private static MaintenanceRun swap(OldCopy oldCopy, String verdict) {
        return new MaintenanceRun("memories", MaintenanceOperation.REBUILD, MaintenancePhase.SWAPPED,
                "mnemo_retired_memories_x", 10, 10L, verdict, oldCopy, Instant.EPOCH, Instant.EPOCH, Instant.EPOCH);
    }
}
