package io.mnemo.kit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestCostTest {
    private static final ApiKey KEY = new ApiKey("aaaaaaaaaaaa", "t", "test", "0".repeat(64),
            Set.of(Scopes.MEMORIES_WRITE), 1, 10, Instant.EPOCH, null);

    @Test
    void aRequestIsChargedItsWholeCostCountingTheTokenItsArrivalTook() {
        RateLimiter limiter = new RateLimiter(200, 400);
        assertThat(limiter.tryAcquire(KEY).allowed()).isTrue();

        new RequestCost(limiter, KEY).charge(10);

        assertThat(limiter.tryAcquire(KEY).allowed()).as("10 of 10 tokens spent").isFalse();
    }

    @Test
    void aCostTheBucketDoesNotHoldNowIsRefusedWithRetryAfterAndTakesNothing() {
        RateLimiter limiter = new RateLimiter(200, 400);
        limiter.tryAcquire(KEY);
        new RequestCost(limiter, KEY).charge(6);

        assertThatThrownBy(() -> new RequestCost(limiter, KEY).charge(6))
                .isInstanceOfSatisfying(RateLimitExceeded.class, refused -> {
                    assertThat(refused.decision()).hasValueSatisfying(decision ->
                            assertThat(decision.retryAfterSeconds()).isGreaterThanOrEqualTo(1));
                    assertThat(refused.getMessage()).contains("costs 6");
                });
        // the refused charge took nothing: the 4 tokens left are still there
        assertThat(limiter.tryAcquire(KEY, 4).allowed()).isTrue();
    }

    @Test
    void aCostAboveTheBurstCanNeverBeAllowedAndSaysHowToSplit() {
        RateLimiter limiter = new RateLimiter(200, 400);

        assertThatThrownBy(() -> new RequestCost(limiter, KEY).charge(11))
                .isInstanceOfSatisfying(RateLimitExceeded.class, refused -> {
                    assertThat(refused.decision()).isEmpty();
                    assertThat(refused.burst()).isEqualTo(10);
                    assertThat(refused.getMessage()).contains("at most 10");
                });
    }

    @Test
    void anEndpointWithoutARateLimitChargesNothing() {
        RequestCost.of(null).charge(1_000_000);
    }
}
