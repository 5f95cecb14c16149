package io.mnemo.kit.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TenantPermitsTest {
    @Test
    void refusesTheTenantsNextRequestBeyondTheCapAndNoOtherTenants() {
        TenantPermits permits = new TenantPermits(2);
        Optional<TenantPermits.Permit> first = permits.tryAcquire("a");
        Optional<TenantPermits.Permit> second = permits.tryAcquire("a");

        assertThat(first).isPresent();
        assertThat(second).isPresent();
        assertThat(permits.tryAcquire("a")).isEmpty();
        assertThat(permits.tryAcquire("b")).isPresent();
        assertThat(permits.inUse("a")).isEqualTo(2);
    }

    @Test
    void aPermitIsReturnedOnceHoweverOftenItIsClosed() {
        TenantPermits permits = new TenantPermits(2);
        TenantPermits.Permit first = permits.tryAcquire("a").orElseThrow();
        permits.tryAcquire("a").orElseThrow();

        first.close();
        first.close();

        assertThat(permits.inUse("a")).isEqualTo(1);
        assertThat(permits.tryAcquire("a")).isPresent();
        assertThat(permits.tryAcquire("a")).isEmpty();
    }

    @Test
    void anIdleTenantHoldsNothing() {
        TenantPermits permits = new TenantPermits(1);
        permits.tryAcquire("a").orElseThrow().close();

        assertThat(permits.inUse("a")).isZero();
        assertThat(permits.tryAcquire("a")).isPresent();
    }
}
