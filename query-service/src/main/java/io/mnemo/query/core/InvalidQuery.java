package io.mnemo.query.core;

/** A query parameter the service cannot answer, naming the parameter. */
public final class InvalidQuery extends QueryException {
    private final String parameter;

    public InvalidQuery(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
