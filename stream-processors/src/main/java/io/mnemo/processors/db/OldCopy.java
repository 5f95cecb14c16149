package io.mnemo.processors.db;

/**
 * What became of the tables a rebuild's swap replaced ({@code projection_maintenance.old_copy}, V11), kept in the
 * schema named by the row's {@code schema_name} until dropped. A run that stopped between its swap's commit and the
 * drop leaves {@link #TO_DROP}; the next rebuild drops that schema first.
 */
public enum OldCopy implements Labelled {
    /** Kept on request ({@code --keep-old}) so it can be swapped back. */
    KEPT("kept", "old copy kept in "),
    /** To be dropped right after the swap. */
    TO_DROP("to-drop", "old copy to drop: "),
    DROPPED("dropped", "old copy dropped: ");

    private final String label;
    private final String prefix;

    OldCopy(String label, String prefix) {
        this.label = label;
        this.prefix = prefix;
    }

    @Override
    public String label() {
        return label;
    }

    /** How {@code mnemo status} tells it, followed by the schema's name, e.g. {@code "old copy kept in "}. */
    public String prefix() {
        return prefix;
    }
}
