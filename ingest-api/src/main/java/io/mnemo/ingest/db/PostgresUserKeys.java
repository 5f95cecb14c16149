package io.mnemo.ingest.db;

import io.mnemo.ingest.core.IngestUnavailable;
import io.mnemo.ingest.core.TenantId;
import io.mnemo.ingest.core.UserGone;
import io.mnemo.ingest.core.UserId;
import io.mnemo.ingest.core.UserKeys;
import io.mnemo.kit.crypto.UserKeyErased;
import io.mnemo.kit.crypto.UserKeyring;
import io.mnemo.kit.crypto.UserRef;
import io.mnemo.schemas.sealing.DataKey;
import java.time.Duration;

/** {@link UserKeys} over the keyring in Postgres; also hands the publisher the key to seal with. */
public final class PostgresUserKeys implements UserKeys {
    private final UserKeyring keyring;
    private final Duration retryAfter;

    public PostgresUserKeys(UserKeyring keyring, Duration retryAfter) {
        this.keyring = keyring;
        this.retryAfter = retryAfter;
    }

    @Override
    public void requireWritable(TenantId tenant, UserId user) {
        key(tenant.value(), user.value());
    }

    /** The key to seal the user's fields with. @throws UserGone, IngestUnavailable */
    public DataKey key(String tenant, String user) {
        try {
            return keyring.keyForWriting(new UserRef(tenant, user));
        } catch (UserKeyErased e) {
            throw new UserGone(new UserId(user));
        } catch (RuntimeException e) {
            throw new IngestUnavailable("The users' keys cannot be read now (" + e.getClass().getSimpleName() + ")",
                    retryAfter, e);
        }
    }

    @Override
    public void erase(TenantId tenant, UserId user) {
        try {
            keyring.erase(new UserRef(tenant.value(), user.value()));
        } catch (RuntimeException e) {
            throw new IngestUnavailable("The user's key cannot be deleted now (" + e.getClass().getSimpleName()
                    + "); nothing was erased", retryAfter, e);
        }
    }
}
