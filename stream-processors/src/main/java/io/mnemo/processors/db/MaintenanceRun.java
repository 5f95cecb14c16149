package io.mnemo.processors.db;

import java.time.Instant;

/**
 * A row of {@code projection_maintenance}: the replay or rebuild of a projection that runs or ran last.
 *
 * @param schemaName the candidate schema of a rebuild; once swapped, the schema holding the replaced tables
 * @param detail     what is said to a person about the phase (for a swap: the verification's verdict)
 * @param oldCopy    once swapped, what became of the replaced tables; otherwise null
 * @param finishedAt when a phase that {@linkplain MaintenancePhase#ends() ends} the run was reached, or null
 */
public record MaintenanceRun(String projection, MaintenanceOperation operation, MaintenancePhase phase,
                             String schemaName, long recordsDone, Long recordsTotal, String detail, OldCopy oldCopy,
                             Instant startedAt, Instant updatedAt, Instant finishedAt) {
    /** The detail as {@code mnemo status} tells it: for a swap, where the old copy is first. */
    public String describe() {
        if (oldCopy == null) {
            return detail;
        }
        return oldCopy.prefix() + schemaName + (detail == null ? "" : "; " + detail);
    }
}
