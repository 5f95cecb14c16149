package io.mnemo.devstack.registry;

/**
 * A request the embedded registry refuses, carrying the HTTP status and the Confluent {@code error_code}
 * that clients of a real Confluent registry expect.
 */
final class RegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final int SUBJECT_NOT_FOUND = 40401;
    static final int VERSION_NOT_FOUND = 40402;
    static final int SCHEMA_NOT_FOUND = 40403;
    static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
    static final int INCOMPATIBLE_SCHEMA = 409;
    static final int INVALID_SCHEMA = 42201;
    static final int INVALID_VERSION = 42202;
    static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    static final int STORE_ERROR = 50001;

    private final int status;
    private final int errorCode;

    RegistryException(int status, int errorCode, String message) {
        this(status, errorCode, message, null);
    }

    RegistryException(int status, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    int status() {
        return status;
    }

    int errorCode() {
        return errorCode;
    }
}
