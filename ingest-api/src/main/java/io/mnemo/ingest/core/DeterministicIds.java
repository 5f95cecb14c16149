package io.mnemo.ingest.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Name-based UUIDs (RFC 9562 version 5, SHA-1) so that the same tenant, user and idempotency key always give
 * the same memory id and event id, whichever ingest instance serves the retry.
 */
public final class DeterministicIds {
    static final UUID MEMORY_NAMESPACE = UUID.fromString("6f1c7c0e-6c1e-4a55-9d38-8a0d6f1e2b01");
    static final UUID EVENT_NAMESPACE = UUID.fromString("0b7e3f52-2f0c-4f7b-8a51-3c4d2e1f9a02");
    static final UUID MEDIA_NAMESPACE = UUID.fromString("3d9a6b1e-57c2-4e0f-b6a4-1f2e8c7d5a03");

    private DeterministicIds() {
    }

    public static MemoryId memoryId(TenantId tenant, UserId user, IdempotencyKey key) {
        return new MemoryId(v5(MEMORY_NAMESPACE, name(tenant, user, key)));
    }

    public static EventId eventId(TenantId tenant, UserId user, IdempotencyKey key) {
        return new EventId(v5(EVENT_NAMESPACE, name(tenant, user, key)));
    }

    /**
     * Event id of a non-capture operation ({@code revise:<memoryId>}, {@code forget:<memoryId>}, {@code erase},
     * {@code media}): the operation is part of the name so one key reused across operations cannot collide.
     */
    public static EventId eventId(TenantId tenant, UserId user, String operation, IdempotencyKey key) {
        return new EventId(v5(EVENT_NAMESPACE, name(tenant, user, key) + "\n" + operation));
    }

    /** Media id of an upload retried with the same key: each attempt stages its own object under this id. */
    public static MediaId mediaId(TenantId tenant, UserId user, IdempotencyKey key) {
        UUID uuid = v5(MEDIA_NAMESPACE, name(tenant, user, key));
        return MediaId.of(uuid);
    }

    private static String name(TenantId tenant, UserId user, IdempotencyKey key) {
        // Separator outside every id alphabet, so ("a","b:c") and ("a:b","c") cannot collide.
        return tenant.value() + "\n" + user.value() + "\n" + key.value();
    }

    static UUID v5(UUID namespace, String name) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            ByteBuffer ns = ByteBuffer.allocate(16);
            ns.putLong(namespace.getMostSignificantBits()).putLong(namespace.getLeastSignificantBits());
            sha1.update(ns.array());
            sha1.update(name.getBytes(StandardCharsets.UTF_8));
            byte[] hash = sha1.digest();
            hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
            hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
            ByteBuffer bytes = ByteBuffer.wrap(hash, 0, 16);
            return new UUID(bytes.getLong(), bytes.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every JVM", e);
        }
    }
}
