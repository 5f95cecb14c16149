package io.mnemo.schemas.sealing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One user's data key: 32 random bytes, stored only wrapped by the master key (table {@code user_data_keys}).
 * Deleting it is what erases the user's content from every event, change, dead letter and backup that holds it.
 * Two subkeys are derived from it (HMAC-SHA256 as the KDF), one to encrypt and one to derive nonces, so the same
 * key is never used for two purposes.
 */
public final class DataKey {
    static final int LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec encryption;
    private final SecretKeySpec nonces;
    private final byte[] material;

    private DataKey(byte[] material) {
        if (material.length != LENGTH) {
            throw new IllegalArgumentException("a data key has " + LENGTH + " bytes, not " + material.length);
        }
        this.material = material.clone();
        this.encryption = new SecretKeySpec(derive(material, "mnemo data key: encryption"), "AES");
        this.nonces = new SecretKeySpec(derive(material, "mnemo data key: nonces"), "HmacSHA256");
    }

    public static DataKey generate() {
        byte[] material = new byte[LENGTH];
        RANDOM.nextBytes(material);
        return new DataKey(material);
    }

    static DataKey of(byte[] material) {
        return new DataKey(material);
    }

    byte[] material() {
        return material.clone();
    }

    SecretKeySpec encryption() {
        return encryption;
    }

    SecretKeySpec nonces() {
        return nonces;
    }

    private static byte[] derive(byte[] material, String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(material, "HmacSHA256"));
            return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }

    @Override
    public String toString() {
        return "DataKey[redacted]";
    }

    /** For tests: two keys are equal when their material is. */
    boolean sameAs(DataKey other) {
        return Arrays.equals(material, other.material);
    }
}
