package io.mnemo.processors.db;

/** The operator commands that rewrite a projection online, as {@code projection_maintenance.operation} holds them. */
public enum MaintenanceOperation implements Labelled {
    REPLAY("replay"),
    REBUILD("rebuild");

    private final String label;

    MaintenanceOperation(String label) {
        this.label = label;
    }

    @Override
    public String label() {
        return label;
    }
}
