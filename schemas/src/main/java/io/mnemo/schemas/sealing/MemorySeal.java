package io.mnemo.schemas.sealing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals and opens one memory's personal fields (content, tags, attributes) under its user's {@link DataKey}.
 *
 * <p>AES-256-GCM with a synthetic nonce: the nonce is HMAC-SHA256(nonce key, owner, field, plaintext) cut to 12
 * bytes, so sealing is deterministic. It has to be: a producer's retry (same Idempotency-Key) must give the same
 * event bytes, or the processors' dedupe would see a different payload and refuse the retry as a key reuse. Equal
 * plaintexts of the same field of the same memory therefore give equal ciphertexts (that is all it reveals);
 * different plaintexts get different nonces, so GCM's nonce is never reused with other data. The owner (tenant,
 * user, memory, field) is the associated data: bytes moved to another memory or field do not open.
 *
 * <p>Format: {@code 0x01 | nonce (12) | ciphertext | tag (16)}.
 */
public final class MemorySeal {
    private static final byte FORMAT = 1;
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    /** The sealed fields; each has its own associated data. */
    public enum Field { CONTENT, TAGS, ATTRIBUTES }

    /**
     * Looking a cipher up costs more than opening a short field; sinks open three a row. Only for decryption: a GCM
     * cipher refuses to encrypt again under the key and nonce of its last encryption, which deterministic sealing of
     * an equal value would ask of it.
     */
    private static final ThreadLocal<Cipher> DECRYPTING = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is required by every JVM", e);
        }
    });

    private final DataKey key;
    private final String owner;

    private MemorySeal(DataKey key, String tenant, String user, UUID memoryId) {
        this.key = key;
        this.owner = "mnemo memory\u0000" + tenant + "\u0000" + user + "\u0000" + memoryId;
    }

    public static MemorySeal of(DataKey key, String tenant, String user, UUID memoryId) {
        return new MemorySeal(key, tenant, user, memoryId);
    }

    public ByteBuffer content(String content) {
        return seal(Field.CONTENT, content.getBytes(StandardCharsets.UTF_8));
    }

    public ByteBuffer tags(List<String> tags) {
        return seal(Field.TAGS, encode(tags));
    }

    /** Sorted by name first, so a retry that lists the same attributes in another order seals to the same bytes. */
    public ByteBuffer attributes(Map<String, String> attributes) {
        List<String> flat = new ArrayList<>(attributes.size() * 2);
        new TreeMap<>(attributes).forEach((name, value) -> {
            flat.add(name);
            flat.add(value);
        });
        return seal(Field.ATTRIBUTES, encode(flat));
    }

    public String openContent(ByteBuffer sealed) {
        return new String(open(Field.CONTENT, sealed), StandardCharsets.UTF_8);
    }

    public List<String> openTags(ByteBuffer sealed) {
        return decode(open(Field.TAGS, sealed));
    }

    public Map<String, String> openAttributes(ByteBuffer sealed) {
        List<String> flat = decode(open(Field.ATTRIBUTES, sealed));
        Map<String, String> attributes = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            attributes.put(flat.get(i), flat.get(i + 1));
        }
        return attributes;
    }

    private ByteBuffer seal(Field field, byte[] plaintext) {
        try {
            byte[] aad = associatedData(field);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key.nonces());
            mac.update(aad);
            mac.update((byte) 0);
            byte[] nonce = Arrays.copyOf(mac.doFinal(plaintext), NONCE);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key.encryption(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad);
            byte[] sealed = cipher.doFinal(plaintext);
            ByteBuffer out = ByteBuffer.allocate(1 + NONCE + sealed.length);
            out.put(FORMAT).put(nonce).put(sealed).flip();
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to seal", e);
        }
    }

    private byte[] open(Field field, ByteBuffer sealed) {
        ByteBuffer in = sealed.duplicate();
        if (in.remaining() < 1 + NONCE + TAG_BITS / 8 || in.get() != FORMAT) {
            throw new SealingException("not a sealed field (format " + FORMAT + ")", null);
        }
        byte[] nonce = new byte[NONCE];
        in.get(nonce);
        byte[] body = new byte[in.remaining()];
        in.get(body);
        try {
            Cipher cipher = DECRYPTING.get();
            cipher.init(Cipher.DECRYPT_MODE, key.encryption(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData(field));
            return cipher.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new SealingException("a sealed " + field.name().toLowerCase() + " does not open with this key "
                    + "and owner", e);
        }
    }

    private byte[] associatedData(Field field) {
        return (owner + "\u0000" + field.name()).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] encode(List<String> values) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * values.size() + 4);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(values.size());
            for (String value : values) {
                byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                out.writeInt(utf8.length);
                out.write(utf8);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> decode(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(encoded))) {
            int count = in.readInt();
            List<String> values = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] utf8 = new byte[in.readInt()];
                in.readFully(utf8);
                values.add(new String(utf8, StandardCharsets.UTF_8));
            }
            return values;
        } catch (IOException e) {
            throw new SealingException("a sealed list is malformed", e);
        }
    }
}
