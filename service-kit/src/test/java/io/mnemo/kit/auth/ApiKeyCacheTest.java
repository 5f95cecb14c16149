package io.mnemo.kit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeyCacheTest {
    private final FakeKeys store = new FakeKeys();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
    private final ApiKeyCache cache = new ApiKeyCache(store, Duration.ofSeconds(30), Duration.ofSeconds(5), clock);

    @Test
    void servesKeysFromTheSnapshotWithoutAskingTheStore() {
        ApiKey key = store.add("tenant-a");
        assertThat(cache.refresh()).isTrue();
        store.lookups.clear();

        assertThat(cache.find(key.keyId())).hasValue(key);
        assertThat(store.lookups).isEmpty();
    }

    @Test
    void keepsTheLastSnapshotWhenARefreshFails() {
        ApiKey key = store.add("tenant-a");
        cache.refresh();
        store.down = true;
        clock.advance(Duration.ofMinutes(10));

        assertThat(cache.refresh()).isFalse();

        assertThat(cache.find(key.keyId())).hasValue(key);
        assertThat(cache.loadedAt()).hasValue(Instant.parse("2026-11-01T10:00:00Z"));
    }

    @Test
    void staysHealthyButReportsStalenessWhileTheStoreIsDown() {
        store.add("tenant-a");
        cache.refresh();
        store.down = true;
        clock.advance(Duration.ofMinutes(2));
        cache.refresh();

        var result = cache.healthCheck().execute();

        assertThat(result.isHealthy()).isTrue();
        assertThat(result.getMessage()).startsWith("STALE").contains("1 active keys").contains("120 s ago");
    }

    @Test
    void isUnhealthyUntilTheFirstSnapshotLoads() {
        store.down = true;
        cache.refresh();
        assertThat(cache.healthCheck().execute().isHealthy()).isFalse();

        store.down = false;
        cache.refresh();
        var result = cache.healthCheck().execute();
        assertThat(result.isHealthy()).isTrue();
        assertThat(result.getMessage()).doesNotContain("STALE");
    }

    @Test
    void aKeyCreatedAfterTheRefreshIsFoundByOneLookupAndThenCached() {
        cache.refresh();
        ApiKey fresh = store.add("tenant-a");

        assertThat(cache.find(fresh.keyId())).hasValue(fresh);
        assertThat(cache.find(fresh.keyId())).hasValue(fresh);
        assertThat(store.lookups).containsExactly(fresh.keyId());
    }

    @Test
    void anUnknownKeyIdIsLookedUpOnceUntilTheNegativeEntryExpires() {
        cache.refresh();

        assertThat(cache.find("unknownkey22")).isEmpty();
        assertThat(cache.find("unknownkey22")).isEmpty();
        assertThat(store.lookups).containsExactly("unknownkey22");

        clock.advance(Duration.ofSeconds(6));
        assertThat(cache.find("unknownkey22")).isEmpty();
        assertThat(store.lookups).containsExactly("unknownkey22", "unknownkey22");
    }

    @Test
    void aRevokedKeyDisappearsAtTheNextRefreshAndIsNotFoundByLookup() {
        ApiKey key = store.add("tenant-a");
        cache.refresh();
        store.revoke(key.keyId());

        assertThat(cache.find(key.keyId())).as("until the next refresh").isPresent();
        cache.refresh();
        assertThat(cache.find(key.keyId())).isEmpty();
    }

    @Test
    void aMissWhileTheStoreIsDownIsUnavailableAndFailsFastAfterwards() {
        cache.refresh();
        store.down = true;

        assertThatThrownBy(() -> cache.find("unknownkey22")).isInstanceOf(ApiKeysUnavailable.class);
        assertThatThrownBy(() -> cache.find("otherkey2345")).isInstanceOf(ApiKeysUnavailable.class);
        assertThat(store.lookups).containsExactly("unknownkey22");

        store.down = false;
        clock.advance(Duration.ofSeconds(6));
        assertThat(cache.find("otherkey2345")).isEmpty();
    }

    @Test
    void cachedKeysStillAuthenticateWhenTheStoreHasBeenDownLongerThanTheRefreshInterval() {
        ApiKey key = store.add("tenant-a");
        cache.refresh();
        store.down = true;
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(30));
            cache.refresh();
        }

        assertThat(cache.find(key.keyId())).hasValue(key);
    }

    /** An in-memory key store that can be switched off. */
    @Test
    void aFloodOfMadeUpKeyIdsCostsAtMostTheLookupBudgetPerSecond() {
        cache.refresh();
        store.lookups.clear();
        for (int i = 0; i < 500; i++) {
            assertThat(cache.find(String.format("madeup%06d", i))).isEmpty();
        }
        assertThat(store.lookups).hasSize(ApiKeyCache.MAX_LOOKUPS_PER_SECOND);

        clock.advance(Duration.ofSeconds(1));
        cache.find("anotherone12");
        assertThat(store.lookups).hasSize(ApiKeyCache.MAX_LOOKUPS_PER_SECOND + 1);
    }

    static final class FakeKeys implements ApiKeySource {
        final Map<String, ApiKey> keys = new LinkedHashMap<>();
        final List<String> lookups = new ArrayList<>();
        boolean down;

        ApiKey add(String tenant) {
            ApiKeyToken token = ApiKeyToken.generate();
            ApiKey key = new ApiKey(token.keyId(), tenant, "test", token.secretHash(), Set.of(Scopes.MEMORIES_WRITE),
                    null, null, Instant.EPOCH, null);
            keys.put(key.keyId(), key);
            return key;
        }

        void revoke(String keyId) {
            ApiKey key = keys.get(keyId);
            keys.put(keyId, new ApiKey(key.keyId(), key.tenantId(), key.name(), key.secretHash(), key.scopes(),
                    null, null, key.createdAt(), Instant.EPOCH));
        }

        @Override
        public List<ApiKey> loadAllActive() {
            if (down) {
                throw new IllegalStateException("connection refused");
            }
            return keys.values().stream().filter(ApiKey::isActive).toList();
        }

        @Override
        public Optional<ApiKey> find(String keyId) {
            lookups.add(keyId);
            if (down) {
                throw new IllegalStateException("connection refused");
            }
            return Optional.ofNullable(keys.get(keyId));
        }
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
