package io.mnemo.processors.topology;

import java.util.UUID;

/** A memory's identity; its text form {@code tenant/user/memoryId} keys the stores and dead-letter headers. */
record MemoryKey(UserKey user, UUID memoryId) {
    static MemoryKey of(String tenant, String user, UUID memoryId) {
        return new MemoryKey(new UserKey(tenant, user), memoryId);
    }

    /** Store key; a prefix scan by {@link UserKey#prefix()} finds every memory of the user. */
    @Override
    public String toString() {
        return user + "/" + memoryId;
    }
}
