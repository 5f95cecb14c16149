package io.mnemo.processors.db;

/**
 * Where a replay or rebuild of a projection is, as {@code projection_maintenance.phase} holds it (V11 lists the
 * labels in a CHECK constraint). Each phase belongs to one operation; a phase that {@linkplain #ends() ends} the
 * run stamps its {@code finished_at}.
 */
public enum MaintenancePhase implements Labelled {
    /** A replay re-applying its window. */
    REPLAYING(MaintenanceOperation.REPLAY, "replaying", false),
    /** A dry-run replay reading its window. */
    DRY_RUN(MaintenanceOperation.REPLAY, "dry-run", false),
    DONE(MaintenanceOperation.REPLAY, "done", true),
    DRY_RUN_DONE(MaintenanceOperation.REPLAY, "dry-run-done", true),
    /** A rebuild filling (or resuming) its candidate schema. */
    BUILDING(MaintenanceOperation.REBUILD, "building", false),
    /** The candidate has its secondary indexes; it catches up, is verified and swapped next. */
    INDEXED(MaintenanceOperation.REBUILD, "indexed", false),
    /** The candidate replaced the live tables; what became of the old ones is in {@link OldCopy}. */
    SWAPPED(MaintenanceOperation.REBUILD, "swapped", true),
    /** The candidate was dropped; the live tables are untouched. */
    ABANDONED(MaintenanceOperation.REBUILD, "abandoned", true),
    /** The candidate equals neither the live table nor the fold of the log; it stays for inspection. */
    VERIFICATION_FAILED(MaintenanceOperation.REBUILD, "verification-failed", true);

    private final MaintenanceOperation operation;
    private final String label;
    private final boolean ends;

    MaintenancePhase(MaintenanceOperation operation, String label, boolean ends) {
        this.operation = operation;
        this.label = label;
        this.ends = ends;
    }

    public MaintenanceOperation operation() {
        return operation;
    }

    @Override
    public String label() {
        return label;
    }

    /** Whether the run is over once it reaches this phase. */
    public boolean ends() {
        return ends;
    }
}
