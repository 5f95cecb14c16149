package io.mnemo.kit.limits;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A cap on how many long-running requests of one kind (media uploads, exports) a tenant may have in progress at
 * once on this instance. A request beyond it is refused at once, never queued: a tenant with slow or many clients
 * cannot take the threads, buffers or database connections every tenant shares.
 */
public final class TenantPermits {
    private final int perTenant;
    private final Map<String, Integer> inUse = new ConcurrentHashMap<>();

    /** One permit held; {@link #close()} returns it, once however often it is called. */
    public static final class Permit implements AutoCloseable {
        private final TenantPermits owner;
        private final String tenant;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(TenantPermits owner, String tenant) {
            this.owner = owner;
            this.tenant = tenant;
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                owner.release(tenant);
            }
        }
    }

    public TenantPermits(int perTenant) {
        if (perTenant < 1) {
            throw new IllegalArgumentException("a tenant needs at least one permit");
        }
        this.perTenant = perTenant;
    }

    public int perTenant() {
        return perTenant;
    }

    /** A permit for the tenant, or empty when it already holds {@link #perTenant()}. */
    public Optional<Permit> tryAcquire(String tenant) {
        boolean[] granted = new boolean[1];
        inUse.compute(tenant, (t, held) -> {
            int now = held == null ? 0 : held;
            if (now >= perTenant) {
                return held;
            }
            granted[0] = true;
            return now + 1;
        });
        return granted[0] ? Optional.of(new Permit(this, tenant)) : Optional.empty();
    }

    /** Permits the tenant holds now. */
    public int inUse(String tenant) {
        return inUse.getOrDefault(tenant, 0);
    }

    private void release(String tenant) {
        // an idle tenant leaves no entry behind, so the map holds only tenants with requests in progress
        inUse.computeIfPresent(tenant, (t, held) -> held <= 1 ? null : held - 1);
    }
}
