package io.mnemo.kit.auth;

/** A key was not in the cache and the key store could not be asked: the request can be neither allowed nor refused. */
public final class ApiKeysUnavailable extends RuntimeException {
    public ApiKeysUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
