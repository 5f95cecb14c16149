package io.mnemo.kit.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private static ApiKey key(String id, Integer rate, Integer burst) {
        return new ApiKey(id, "t", "test", "0".repeat(64), Set.of(Scopes.MEMORIES_WRITE), rate, burst, Instant.EPOCH,
                null);
    }

    @Test
    void allowsTheBurstThenRefusesWithRetryAfterAtLeastOneSecond() {
        RateLimiter limiter = new RateLimiter(200, 400);
        ApiKey key = key("aaaaaaaaaaaa", 1, 2);

        RateLimiter.Decision first = limiter.tryAcquire(key);
        RateLimiter.Decision second = limiter.tryAcquire(key);
        RateLimiter.Decision third = limiter.tryAcquire(key);

        assertThat(first.allowed()).isTrue();
        assertThat(first.limit()).isEqualTo(2);
        assertThat(first.remaining()).isEqualTo(1);
        assertThat(second.allowed()).isTrue();
        assertThat(second.remaining()).isZero();
        assertThat(third.allowed()).isFalse();
        assertThat(third.retryAfterSeconds()).isEqualTo(1);
        assertThat(third.resetSeconds()).isBetween(1L, 2L);
    }

    @Test
    void keysWithoutTheirOwnLimitsGetTheDefaults() {
        RateLimiter limiter = new RateLimiter(5, 10);

        RateLimiter.Decision decision = limiter.tryAcquire(key("bbbbbbbbbbbb", null, null));

        assertThat(decision.limit()).isEqualTo(10);
        assertThat(decision.remaining()).isEqualTo(9);
    }

    @Test
    void everyKeyHasItsOwnBucket() {
        RateLimiter limiter = new RateLimiter(1, 1);
        assertThat(limiter.tryAcquire(key("cccccccccccc", null, null)).allowed()).isTrue();
        assertThat(limiter.tryAcquire(key("cccccccccccc", null, null)).allowed()).isFalse();

        assertThat(limiter.tryAcquire(key("dddddddddddd", null, null)).allowed()).isTrue();
    }

    @Test
    void changedLimitsOfAKeyTakeEffect() {
        RateLimiter limiter = new RateLimiter(1, 1);
        limiter.tryAcquire(key("eeeeeeeeeeee", 1, 1));

        RateLimiter.Decision raised = limiter.tryAcquire(key("eeeeeeeeeeee", 100, 100));

        assertThat(raised.allowed()).isTrue();
        assertThat(raised.limit()).isEqualTo(100);
    }
}
