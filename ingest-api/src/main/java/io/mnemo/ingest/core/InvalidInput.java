package io.mnemo.ingest.core;

/** Input the domain refuses, naming the field at fault. */
public final class InvalidInput extends IngestException {
    private final String field;

    public InvalidInput(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
