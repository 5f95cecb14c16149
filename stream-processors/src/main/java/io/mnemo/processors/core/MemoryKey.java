package io.mnemo.processors.core;

import java.util.UUID;

/**
 * A memory's identity: what the processors, sinks and projection tools group a memory's changes by. Its text form
 * {@code tenant/user/memoryId} keys the Streams stores and the dead-letter headers.
 */
public record MemoryKey(UserKey user, UUID memoryId) implements Comparable<MemoryKey> {
    public static MemoryKey of(String tenant, String user, UUID memoryId) {
        return new MemoryKey(new UserKey(tenant, user), memoryId);
    }

    /** The memory a change is about. */
    public static MemoryKey of(io.mnemo.schemas.changes.MemoryChanged change) {
        return of(change.getTenantId(), change.getUserId(), change.getMemoryId());
    }

    /** Store key; a prefix scan by {@link UserKey#prefix()} finds every memory of the user. */
    @Override
    public String toString() {
        return user + "/" + memoryId;
    }

    /** In the order of their text form (reports list memories in a stable order). */
    @Override
    public int compareTo(MemoryKey other) {
        return toString().compareTo(other.toString());
    }
}
