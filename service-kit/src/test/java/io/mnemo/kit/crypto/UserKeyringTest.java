package io.mnemo.kit.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mnemo.schemas.sealing.DataKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class UserKeyringTest {
    private static final UserRef ALICE = new UserRef("t1", "alice");
    private static final UserRef BOB = new UserRef("t1", "bob");

    /** A store in memory that can be made to fail, counting its reads. */
    static final class FakeSource implements UserKeyring.Source {
        final Map<UserRef, UserKeyStore.KeyState> keys = new HashMap<>();
        final AtomicInteger reads = new AtomicInteger();
        boolean down;

        @Override
        public UserKeyStore.KeyState keyForWriting(UserRef user) {
            reads.incrementAndGet();
            if (down) {
                throw new IllegalStateException("Postgres is down");
            }
            return keys.computeIfAbsent(user, u -> new UserKeyStore.Active(DataKey.generate()));
        }

        @Override
        public void erase(UserRef user) {
            if (down) {
                throw new IllegalStateException("Postgres is down");
            }
            keys.put(user, new UserKeyStore.Erased());
        }
    }

    private final FakeSource source = new FakeSource();
    private final MutableClock clock = new MutableClock();
    private final UserKeyring keyring = new UserKeyring(source, Duration.ofSeconds(30), clock);

    @Test
    void aKnownUsersKeyCostsNoReadUntilItIsDueAgain() {
        DataKey first = keyring.keyForWriting(ALICE);
        assertThat(keyring.keyForWriting(ALICE)).isSameAs(first);
        assertThat(source.reads).hasValue(1);

        clock.advance(Duration.ofSeconds(31));
        keyring.keyForWriting(ALICE);
        assertThat(source.reads).hasValue(2);
    }

    @Test
    void anErasureThroughThisInstanceRefusesTheNextWriteAtOnce() {
        keyring.keyForWriting(ALICE);
        keyring.erase(ALICE);

        assertThatThrownBy(() -> keyring.keyForWriting(ALICE)).isInstanceOf(UserKeyErased.class);
    }

    @Test
    void anErasureThroughAnotherInstanceIsSeenWhenTheKeyIsDueAgain() {
        keyring.keyForWriting(ALICE);
        source.keys.put(ALICE, new UserKeyStore.Erased());
        keyring.keyForWriting(ALICE);

        clock.advance(Duration.ofSeconds(31));
        assertThatThrownBy(() -> keyring.keyForWriting(ALICE)).isInstanceOf(UserKeyErased.class);
    }

    @Test
    void withPostgresDownKnownUsersKeepTheirKeyAndNewUsersFailFastWithoutAReadEach() {
        DataKey alice = keyring.keyForWriting(ALICE);
        source.down = true;
        clock.advance(Duration.ofSeconds(31));

        assertThat(keyring.keyForWriting(ALICE)).isSameAs(alice);
        int reads = source.reads.get();
        assertThatThrownBy(() -> keyring.keyForWriting(BOB)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> keyring.keyForWriting(BOB)).isInstanceOf(IllegalStateException.class);
        assertThat(source.reads).as("no read while reads are suspended").hasValue(reads);

        source.down = false;
        clock.advance(UserKeyring.SUSPEND_AFTER_FAILURE.plusMillis(1));
        assertThat(keyring.keyForWriting(BOB)).isNotNull();
    }

    @Test
    void anErasureThatCannotReachPostgresFailsAndChangesNothing() {
        DataKey alice = keyring.keyForWriting(ALICE);
        source.down = true;

        assertThatThrownBy(() -> keyring.erase(ALICE)).isInstanceOf(IllegalStateException.class);
        assertThat(keyring.keyForWriting(ALICE)).isSameAs(alice);
    }

    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-12-07T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
