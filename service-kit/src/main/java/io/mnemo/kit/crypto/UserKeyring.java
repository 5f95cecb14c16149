package io.mnemo.kit.crypto;

import io.mnemo.schemas.sealing.DataKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side's cache in front of {@link UserKeyStore}: a user's key is read (or made) once and then re-read
 * every {@code refresh}, so a write costs no round trip and keeps working while Postgres is down for users already
 * known (the last state read is kept until a re-read succeeds). An erasure made through this instance is seen at
 * once; one made through another instance within {@code refresh} (documented in docs/security.md).
 */
public final class UserKeyring {
    private static final Logger LOG = LoggerFactory.getLogger(UserKeyring.class);
    static final int MAX_USERS = 200_000;

    /** Where keys are read, made and deleted ({@link UserKeyStore}). */
    public interface Source {
        UserKeyStore.KeyState keyForWriting(UserRef user);

        void erase(UserRef user);
    }

    private final Source store;
    private final Duration refresh;
    private final Clock clock;
    private final Map<UserRef, Cached> cache = new ConcurrentHashMap<>();
    /** After a failed read, how long reads are not tried again (known users keep their cached state meanwhile). */
    static final Duration SUSPEND_AFTER_FAILURE = Duration.ofSeconds(2);
    private volatile Instant readsSuspendedUntil = Instant.MIN;
    private volatile String lastFailure;

    private record Cached(UserKeyStore.KeyState state, Instant readAt) {
    }

    public UserKeyring(Source store, Duration refresh, Clock clock) {
        this.store = store;
        this.refresh = refresh;
        this.clock = clock;
    }

    /**
     * The key to seal the user's writes with.
     *
     * @throws UserKeyErased when the user was erased
     * @throws RuntimeException (from the database) when the user is not known yet and keys cannot be read
     */
    public DataKey keyForWriting(UserRef user) {
        Instant now = clock.instant();
        Cached cached = cache.get(user);
        boolean due = cached == null || cached.readAt().plus(refresh).isBefore(now);
        if (due && now.isBefore(readsSuspendedUntil)) {
            // Postgres failed a moment ago: do not make every request wait for it again
            if (cached == null) {
                throw new IllegalStateException("the users' keys could not be read a moment ago: " + lastFailure);
            }
            due = false;
        }
        if (due) {
            try {
                cached = new Cached(store.keyForWriting(user), now);
                if (cache.size() >= MAX_USERS) {
                    cache.clear();
                }
                cache.put(user, cached);
            } catch (RuntimeException e) {
                lastFailure = e.toString();
                readsSuspendedUntil = now.plus(SUSPEND_AFTER_FAILURE);
                if (cached == null) {
                    throw e;
                }
                LOG.warn("Cannot re-read the data key of {}/{}; keeping the one read at {}: {}", user.tenant(),
                        user.user(), cached.readAt(), e.toString());
            }
        }
        if (cached.state() instanceof UserKeyStore.Active active) {
            return active.key();
        }
        throw new UserKeyErased(user);
    }

    /** Deletes the user's key in Postgres, then here. */
    public void erase(UserRef user) {
        store.erase(user);
        cache.put(user, new Cached(new UserKeyStore.Erased(), clock.instant()));
    }
}
