package io.mnemo.schemas.serde;

/**
 * A schema registry call that failed, with the HTTP status and Confluent {@code error_code} when the registry
 * answered (e.g. 409/409 for an incompatible schema, 404/40403 for an unknown id), so callers can tell a
 * rejected request from an unreachable registry.
 */
public class SchemaRegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@link #httpStatus()} when no HTTP response was received (connection refused, timeout). */
    public static final int NO_RESPONSE = 0;
    /** {@link #errorCode()} when the registry did not send a Confluent error body. */
    public static final int NO_ERROR_CODE = -1;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(int httpStatus, int errorCode, String message) {
        this(httpStatus, errorCode, message, null);
    }

    public SchemaRegistryException(int httpStatus, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** The HTTP status, or {@link #NO_RESPONSE}. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Confluent's {@code error_code} (e.g. 40401 subject not found, 40403 schema not found, 409 incompatible), or {@link #NO_ERROR_CODE}. */
    public int errorCode() {
        return errorCode;
    }
}
