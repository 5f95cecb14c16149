package io.mnemo.schemas.sealing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key-encryption key (envelope encryption): wraps and unwraps users' {@link DataKey}s with AES-256-GCM, bound
 * to the tenant and user they belong to (a wrapped key copied onto another user's row does not unwrap). It comes
 * from configuration ({@code encryption.masterKey}, {@code MNEMO_MASTER_KEY}: 32 bytes in base64); a KMS would
 * hold it in production. Its {@link #id()} is stored with each wrapped key, for rotation.
 */
public final class MasterKey {
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final String id;

    private MasterKey(byte[] material) {
        if (material.length != 32) {
            throw new IllegalArgumentException("the master key must be 32 bytes (base64 of 32 random bytes), not "
                    + material.length);
        }
        this.key = new SecretKeySpec(material, "AES");
        try {
            this.id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(material), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    /** @throws IllegalArgumentException when the text is not base64 of exactly 32 bytes */
    public static MasterKey fromBase64(String base64) {
        if (base64 == null || base64.isBlank()) {
            throw new IllegalArgumentException("the master key is empty");
        }
        return new MasterKey(Base64.getDecoder().decode(base64.trim()));
    }

    /** A short public fingerprint of the key (first 8 bytes of its SHA-256), never the key. */
    public String id() {
        return id;
    }

    public byte[] wrap(DataKey dataKey, String tenant, String user) {
        try {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(owner(tenant, user));
            byte[] sealed = cipher.doFinal(dataKey.material());
            byte[] wrapped = new byte[NONCE + sealed.length];
            System.arraycopy(nonce, 0, wrapped, 0, NONCE);
            System.arraycopy(sealed, 0, wrapped, NONCE, sealed.length);
            return wrapped;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to wrap a data key", e);
        }
    }

    /** @throws SealingException when the bytes were not wrapped by this key for this user */
    public DataKey unwrap(byte[] wrapped, String tenant, String user) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, wrapped, 0, NONCE));
            cipher.updateAAD(owner(tenant, user));
            return DataKey.of(cipher.doFinal(wrapped, NONCE, wrapped.length - NONCE));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new SealingException("the data key of " + tenant + "/" + user + " does not unwrap with master key "
                    + id + " (another master key, or a key copied from another user)", e);
        }
    }

    private static byte[] owner(String tenant, String user) {
        return ("mnemo user key\u0000" + tenant + "\u0000" + user).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "MasterKey[" + id + "]";
    }
}
