package io.mnemo.kit.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The plaintext of an API key, {@code mnemo_<keyId>_<secret>}: a public 12-character key id (to find the key
 * without a table scan) and a 256-bit random secret of which only a SHA-256 is ever stored.
 */
public final class ApiKeyToken {
    static final String PREFIX = "mnemo_";
    private static final char[] KEY_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int KEY_ID_LENGTH = 12;
    private static final int SECRET_BYTES = 32;
    private static final Pattern KEY_ID = Pattern.compile("[a-z2-7]{" + KEY_ID_LENGTH + "}");
    // 32 bytes in unpadded base64url are exactly 43 characters
    private static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String keyId;
    private final String secret;

    private ApiKeyToken(String keyId, String secret) {
        this.keyId = keyId;
        this.secret = secret;
    }

    /** A new key with a random id and secret. */
    public static ApiKeyToken generate() {
        char[] id = new char[KEY_ID_LENGTH];
        for (int i = 0; i < id.length; i++) {
            id[i] = KEY_ID_ALPHABET[RANDOM.nextInt(KEY_ID_ALPHABET.length)];
        }
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return new ApiKeyToken(new String(id), Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }

    /** The token a client presented, or empty when it does not have the shape of a Mnemo key. */
    public static Optional<ApiKeyToken> parse(String presented) {
        // The secret's alphabet includes '_', so the parts are found by position, not by splitting.
        if (presented == null || presented.length() != PREFIX.length() + KEY_ID_LENGTH + 1 + 43
                || !presented.startsWith(PREFIX) || presented.charAt(PREFIX.length() + KEY_ID_LENGTH) != '_') {
            return Optional.empty();
        }
        String keyId = presented.substring(PREFIX.length(), PREFIX.length() + KEY_ID_LENGTH);
        String secret = presented.substring(PREFIX.length() + KEY_ID_LENGTH + 1);
        if (!KEY_ID.matcher(keyId).matches() || !SECRET.matcher(secret).matches()) {
            return Optional.empty();
        }
        return Optional.of(new ApiKeyToken(keyId, secret));
    }

    /** Whether a string is a well-formed key id (command-line input, path parameters). */
    public static boolean isKeyId(String candidate) {
        return candidate != null && KEY_ID.matcher(candidate).matches();
    }

    public String keyId() {
        return keyId;
    }

    /** The full key to hand to its owner, once. */
    public String plaintext() {
        return PREFIX + keyId + "_" + secret;
    }

    /** Hex SHA-256 of the secret, the only form in which it is stored. */
    public String secretHash() {
        return hash(secret);
    }

    /** Whether this token's secret hashes to {@code storedHash}, compared in constant time. */
    public boolean matches(String storedHash) {
        Objects.requireNonNull(storedHash, "storedHash");
        // MessageDigest.isEqual does not return early on the first differing byte, so the comparison time
        // tells an attacker nothing about how much of a guessed hash was right.
        return MessageDigest.isEqual(secretHash().getBytes(StandardCharsets.US_ASCII),
                storedHash.getBytes(StandardCharsets.US_ASCII));
    }

    static String hash(String secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Never the secret: tokens end up in log statements and exception messages. */
    @Override
    public String toString() {
        return PREFIX + keyId + "_***";
    }
}
