package io.mnemo.ingest.resources;

import io.mnemo.devstack.DevstackExtension;
import io.mnemo.kit.crypto.EncryptionFactory;
import io.mnemo.kit.crypto.UserKeyStore;
import io.mnemo.kit.crypto.UserRef;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.events.MemoryRevised;
import io.mnemo.schemas.sealing.DataKey;
import io.mnemo.schemas.sealing.MasterKey;
import io.mnemo.schemas.sealing.MemoryContent;
import io.mnemo.schemas.sealing.MemorySeal;
import org.jdbi.v3.core.Jdbi;

/** Opens the sealed fields of the events ingest wrote, with the user's key as the services would read it. */
final class SealedEvents {
    private SealedEvents() {
    }

    static MemoryContent opened(MemoryCaptured event) {
        return MemoryContent.of(event, key(event.getTenantId(), event.getUserId()));
    }

    static MemorySeal seal(MemoryRevised event) {
        return MemorySeal.of(key(event.getTenantId(), event.getUserId()), event.getTenantId(), event.getUserId(),
                event.getMemoryId());
    }

    private static DataKey key(String tenant, String user) {
        var pg = DevstackExtension.devstack().primary();
        UserKeyStore keys = new UserKeyStore(Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()),
                MasterKey.fromBase64(EncryptionFactory.DEV_MASTER_KEY));
        UserKeyStore.KeyState state = keys.current(new UserRef(tenant, user)).orElseThrow(
                () -> new AssertionError("ingest made no key for " + tenant + "/" + user));
        if (state instanceof UserKeyStore.Active active) {
            return active.key();
        }
        throw new AssertionError(tenant + "/" + user + " was erased");
    }
}
