package io.mnemo.processors.db;

import io.mnemo.kit.crypto.UserKeyStore;
import io.mnemo.kit.crypto.UserRef;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.sealing.DataKey;
import io.mnemo.schemas.sealing.MemoryContent;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/**
 * The personal fields (content, tags, attributes) of a batch of upserting changes, in clear: sealed ones are
 * opened with their users' data keys, read in the caller's transaction in one statement (so a key erased before
 * the transaction is never used); clear ones (events written before crypto-shredding) are taken as they are.
 */
public final class ChangeContents {
    private final Map<MemoryChanged, MemoryContent> contents;

    private ChangeContents(Map<MemoryChanged, MemoryContent> contents) {
        this.contents = contents;
    }

    /**
     * @param keys null where no sealed change can occur (tests and benches writing clear changes); a sealed change
     *             then fails the batch
     */
    public static ChangeContents open(Handle transaction, UserKeyStore keys, Collection<MemoryChanged> changes) {
        Set<UserRef> sealedUsers = new HashSet<>();
        for (MemoryChanged change : changes) {
            MemoryState state = upserted(change);
            if (state != null && MemoryContent.isSealed(state)) {
                sealedUsers.add(new UserRef(change.getTenantId(), change.getUserId()));
            }
        }
        UserKeyStore.Lookup lookup = null;
        if (!sealedUsers.isEmpty()) {
            if (keys == null) {
                throw new IllegalStateException("sealed memory changes need the users' data keys; this writer has none");
            }
            lookup = keys.read(transaction, sealedUsers);
        }
        Map<MemoryChanged, MemoryContent> contents = new IdentityHashMap<>();
        for (MemoryChanged change : changes) {
            MemoryState state = upserted(change);
            if (state == null) {
                continue;
            }
            DataKey key = null;
            if (MemoryContent.isSealed(state)) {
                key = lookup.keyOrNullIfErased(new UserRef(change.getTenantId(), change.getUserId()));
                if (key == null) {
                    continue; // erased: its content is gone; the change counts as a deletion
                }
            }
            contents.put(change, MemoryContent.of(state, change.getTenantId(), change.getUserId(),
                    change.getMemoryId(), key));
        }
        return new ChangeContents(contents);
    }

    /**
     * The change's content in clear; null when the change deletes the memory, or upserts it for a user erased
     * since (the erasure's own deletions follow on the topic, so treating it as a deletion now is the same end).
     */
    public MemoryContent of(MemoryChanged change) {
        return contents.get(change);
    }

    private static MemoryState upserted(MemoryChanged change) {
        return change.getKind() == MemoryChangeKind.UPSERTED ? change.getState() : null;
    }
}
