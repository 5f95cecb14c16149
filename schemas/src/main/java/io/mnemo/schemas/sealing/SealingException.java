package io.mnemo.schemas.sealing;

/** Sealed bytes that do not open: the wrong key, another owner's bytes, or bytes altered since sealing. */
public final class SealingException extends RuntimeException {
    public SealingException(String message, Throwable cause) {
        super(message, cause);
    }
}
