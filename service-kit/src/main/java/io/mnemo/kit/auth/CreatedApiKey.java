package io.mnemo.kit.auth;

/**
 * A key just created: its stored form and the plaintext, which exists only here and must be shown to its owner
 * once (it cannot be recovered from the hash).
 */
public record CreatedApiKey(ApiKey key, String plaintext) {
    /** Never the plaintext. */
    @Override
    public String toString() {
        return "CreatedApiKey[" + key + "]";
    }
}
