package io.mnemo.kit.crypto;

import io.mnemo.schemas.sealing.DataKey;
import io.mnemo.schemas.sealing.MasterKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The users' data keys in Postgres ({@code user_data_keys}, V14), wrapped by the master key. Ingest makes a user's
 * key on the user's first write; the sinks and the operator tools read keys in their own transaction; erasure
 * deletes the key and leaves the row as the user's erasure mark.
 */
public final class UserKeyStore implements UserKeyring.Source {
    /** Bounds the unwrapped keys kept in memory; past it the memo starts over. */
    private static final int MAX_UNWRAPPED = 100_000;

    private final Jdbi jdbi;
    private final MasterKey master;
    /** Unwrapping costs two HMACs and an AES-GCM: keep the result for the wrapped bytes it came from. */
    private final Map<UserRef, Unwrapped> unwrapped = new ConcurrentHashMap<>();

    private record Unwrapped(byte[] wrapped, DataKey key) {
    }

    /** A user's key as the table holds it now. */
    public sealed interface KeyState permits Active, Erased {
    }

    public record Active(DataKey key) implements KeyState {
    }

    public record Erased() implements KeyState {
    }

    public UserKeyStore(Jdbi jdbi, MasterKey master) {
        this.jdbi = jdbi;
        this.master = master;
    }

    /** The user's key, made and stored (wrapped) when the user has none yet; {@link Erased} for an erased user. */
    @Override
    public KeyState keyForWriting(UserRef user) {
        return jdbi.inTransaction(h -> {
            Optional<KeyState> existing = read(h, List.of(user)).states().values().stream().findFirst();
            if (existing.isPresent()) {
                return existing.get();
            }
            DataKey made = DataKey.generate();
            h.createUpdate("""
                            INSERT INTO public.user_data_keys (tenant_id, user_id, wrapped_key, master_key_id)
                            VALUES (:tenant, :user, :wrapped, :masterKeyId) ON CONFLICT DO NOTHING""")
                    .bind("tenant", user.tenant()).bind("user", user.user())
                    .bind("wrapped", master.wrap(made, user.tenant(), user.user()))
                    .bind("masterKeyId", master.id()).execute();
            // Another instance may have made it first: whichever row is stored is the key.
            return read(h, List.of(user)).states().get(user);
        });
    }

    /** The current state of one user's key, without making one. Empty: the user never wrote. */
    public Optional<KeyState> current(UserRef user) {
        return jdbi.inTransaction(h -> Optional.ofNullable(read(h, List.of(user)).states().get(user)));
    }

    /**
     * Deletes the user's key (idempotent; a user never seen is marked too, so none is made later). From the
     * commit on, nothing sealed under it opens again.
     */
    @Override
    public void erase(UserRef user) {
        jdbi.useTransaction(h -> h.createUpdate("""
                        INSERT INTO public.user_data_keys (tenant_id, user_id, wrapped_key, master_key_id, erased_at)
                        VALUES (:tenant, :user, NULL, NULL, now())
                        ON CONFLICT (tenant_id, user_id) DO UPDATE SET wrapped_key = NULL, master_key_id = NULL,
                            erased_at = coalesce(user_data_keys.erased_at, now())""")
                .bind("tenant", user.tenant()).bind("user", user.user()).execute());
        unwrapped.remove(user);
    }

    /** The keys of the given users as the caller's transaction sees them. */
    public Lookup read(Handle handle, Collection<UserRef> users) {
        if (users.isEmpty()) {
            return new Lookup(Map.of());
        }
        List<String> tenants = new ArrayList<>(users.size());
        List<String> ids = new ArrayList<>(users.size());
        for (UserRef user : new HashSet<>(users)) {
            tenants.add(user.tenant());
            ids.add(user.user());
        }
        Map<UserRef, KeyState> states = new HashMap<>();
        handle.createQuery("""
                        SELECT k.tenant_id, k.user_id, k.wrapped_key
                        FROM unnest(CAST(:tenants AS text[]), CAST(:users AS text[])) AS u(tenant_id, user_id)
                        JOIN public.user_data_keys k USING (tenant_id, user_id)""")
                .bindArray("tenants", String.class, tenants.toArray())
                .bindArray("users", String.class, ids.toArray())
                .map((rs, ctx) -> {
                    UserRef user = new UserRef(rs.getString("tenant_id"), rs.getString("user_id"));
                    byte[] wrapped = rs.getBytes("wrapped_key");
                    states.put(user, wrapped == null ? new Erased() : new Active(unwrap(user, wrapped)));
                    return user;
                }).list();
        return new Lookup(states);
    }

    private DataKey unwrap(UserRef user, byte[] wrapped) {
        Unwrapped known = unwrapped.get(user);
        if (known != null && Arrays.equals(known.wrapped(), wrapped)) {
            return known.key();
        }
        DataKey key = master.unwrap(wrapped, user.tenant(), user.user());
        if (unwrapped.size() >= MAX_UNWRAPPED) {
            unwrapped.clear();
        }
        unwrapped.put(user, new Unwrapped(wrapped, key));
        return key;
    }

    /** What {@link #read} found: a user missing from {@link #states()} never had a key. */
    public record Lookup(Map<UserRef, KeyState> states) {
        /** The user's key; null when erased. @throws IllegalStateException when the user never had one */
        public DataKey keyOrNullIfErased(UserRef user) {
            KeyState state = states.get(user);
            if (state == null) {
                throw new IllegalStateException("no data key for user " + user.user() + " of tenant "
                        + user.tenant() + ": sealed content needs the key ingest made (was user_data_keys restored "
                        + "without its rows?)");
            }
            return state instanceof Active active ? active.key() : null;
        }

        public Set<UserRef> users() {
            return states.keySet();
        }
    }
}
