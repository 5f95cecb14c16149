package io.mnemo.query.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque, tamper-proof cursors: the keyset position plus an HMAC over it and the scope it was issued for
 * (tenant and user), so a cursor cannot be forged, edited or replayed against another user.
 */
public final class CursorCodec {
    private static final int POSITION_BYTES = Long.BYTES + 2 * Long.BYTES;
    private static final int MAC_BYTES = 16;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /** A Mac keyed once per thread: {@code Mac.getInstance} and {@code init} per cursor cost more than the MAC. */
    private final ThreadLocal<Mac> macs;

    public CursorCodec(byte[] secret) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("cursor secret must be at least 16 bytes");
        }
        SecretKeySpec key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        Mac keyed = newMac(key);
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                return (Mac) keyed.clone();
            } catch (CloneNotSupportedException e) {
                return newMac(key);
            }
        });
    }

    public String encode(Cursor cursor, String scope) {
        ByteBuffer position = ByteBuffer.allocate(POSITION_BYTES);
        position.putLong(ChronoUnit.MICROS.between(Instant.EPOCH, cursor.occurredAt()));
        position.putLong(cursor.memoryId().getMostSignificantBits());
        position.putLong(cursor.memoryId().getLeastSignificantBits());
        byte[] bytes = Arrays.copyOf(position.array(), POSITION_BYTES + MAC_BYTES);
        System.arraycopy(mac(position.array(), scope), 0, bytes, POSITION_BYTES, MAC_BYTES);
        return ENCODER.encodeToString(bytes);
    }

    /** The cursor, or {@link InvalidQuery} when the token is malformed, tampered with or from another scope. */
    public Cursor decode(String token, String scope) {
        byte[] bytes;
        try {
            bytes = DECODER.decode(token);
        } catch (IllegalArgumentException e) {
            throw new InvalidQuery("cursor", "is not a cursor issued by this service");
        }
        if (bytes.length != POSITION_BYTES + MAC_BYTES) {
            throw new InvalidQuery("cursor", "is not a cursor issued by this service");
        }
        byte[] position = Arrays.copyOf(bytes, POSITION_BYTES);
        byte[] given = Arrays.copyOfRange(bytes, POSITION_BYTES, bytes.length);
        if (!MessageDigest.isEqual(given, mac(position, scope))) {
            throw new InvalidQuery("cursor", "is not valid for this request (tampered, or issued for another query)");
        }
        ByteBuffer buffer = ByteBuffer.wrap(position);
        Instant occurredAt = Instant.EPOCH.plus(buffer.getLong(), ChronoUnit.MICROS);
        return new Cursor(occurredAt, new UUID(buffer.getLong(), buffer.getLong()));
    }

    private byte[] mac(byte[] position, String scope) {
        Mac mac = macs.get();
        // doFinal leaves the Mac reset, keyed, for the thread's next cursor; reset again should a call ever fail
        mac.reset();
        mac.update(scope.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        mac.update(position);
        return Arrays.copyOf(mac.doFinal(), MAC_BYTES);
    }

    private static Mac newMac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }
}
