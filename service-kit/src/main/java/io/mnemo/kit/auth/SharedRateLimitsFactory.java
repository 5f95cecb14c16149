package io.mnemo.kit.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDuration;
import io.dropwizard.validation.MinDuration;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;

/**
 * The {@code auth.sharedLimits:} section: whether keys' rate limits are shared by every instance of the service
 * through {@code rate_limit_buckets} ({@link LeasedBuckets}), how often tokens are leased, and how many instances
 * the limits are split between while Postgres cannot be reached.
 */
public class SharedRateLimitsFactory {
    /** Off: each instance enforces the whole limit alone (N instances give a key N times its limit). */
    private boolean enabled;

    /** How often busy keys' tokens are topped up from the shared buckets (one statement for all of them). */
    @NotNull
    @MinDuration(value = 20, unit = TimeUnit.MILLISECONDS)
    @MaxDuration(value = 5, unit = TimeUnit.SECONDS)
    private Duration leaseInterval = Duration.milliseconds(100);

    /** After this long without a successful lease (or at once after a failed one) each instance limits alone. */
    @NotNull
    @MinDuration(value = 100, unit = TimeUnit.MILLISECONDS)
    private Duration staleAfter = Duration.seconds(1);

    /**
     * How many instances share a key's limits: a key's first tokens on an instance (before its first lease) are
     * {@code burst / expectedInstances}, and while Postgres cannot be reached each instance allows
     * {@code rate / expectedInstances} and {@code burst / expectedInstances} alone. 1 keeps the whole limit per
     * instance during an outage (N times the limit, as without sharing).
     */
    @Min(1)
    @Max(1000)
    private int expectedInstances = 1;

    /** The bucket source: leased buckets when enabled (lease rounds scheduled and managed), else local ones. */
    public RateLimiter.BucketSource build(Environment environment, Jdbi jdbi, MeterRegistry metrics, String service) {
        if (!enabled) {
            return RateLimiter.local();
        }
        LeasedBuckets buckets = new LeasedBuckets(service, requests -> lease(jdbi, requests),
                leaseInterval.toJavaDuration(), staleAfter.toJavaDuration(), expectedInstances, System::nanoTime);
        ScheduledExecutorService leaser = environment.lifecycle().scheduledExecutorService("rate-limit-leases")
                .threads(1).build();
        long every = leaseInterval.toMilliseconds();
        leaser.scheduleWithFixedDelay(buckets::leaseRound, every, every, TimeUnit.MILLISECONDS);
        Gauge.builder("mnemo." + service + ".rate.limits.shared.reachable", buckets, b -> b.reachable() ? 1 : 0)
                .description("1 while keys' rate limits are leased from the shared buckets; 0 while this instance "
                        + "limits alone (Postgres unreachable)")
                .register(metrics);
        return buckets;
    }

    private static Map<String, Long> lease(Jdbi jdbi, List<LeasedBuckets.LeaseRequest> requests) {
        int n = requests.size();
        String[] names = new String[n];
        Long[] wants = new Long[n];
        Double[] rates = new Double[n];
        Double[] bursts = new Double[n];
        for (int i = 0; i < n; i++) {
            LeasedBuckets.LeaseRequest request = requests.get(i);
            names[i] = request.bucket();
            wants[i] = request.want();
            rates[i] = request.rate();
            bursts[i] = request.burst();
        }
        Map<String, Long> grants = new HashMap<>();
        leaseInReadWriteTransaction(jdbi, names, wants, rates, bursts)
                .forEach(grant -> grants.put(grant.bucket(), grant.granted()));
        return grants;
    }

    /**
     * The query service's pools are read-only by default: the lease alone makes its connection read-write, and
     * gives it its setting back before it returns to the pool.
     */
    private static List<RateLimitBucketDao.Grant> leaseInReadWriteTransaction(Jdbi jdbi, String[] names, Long[] wants,
                                                                          Double[] rates, Double[] bursts) {
        try {
            return jdbi.withHandle(handle -> {
                java.sql.Connection connection = handle.getConnection();
                boolean readOnly = connection.isReadOnly();
                connection.setReadOnly(false);
                try {
                    return handle.inTransaction(transaction ->
                            transaction.attach(RateLimitBucketDao.class).lease(names, wants, rates, bursts));
                } finally {
                    connection.setReadOnly(readOnly);
                }
            });
        } catch (java.sql.SQLException e) {
            throw new org.jdbi.v3.core.ConnectionException(e);
        }
    }

    @JsonProperty
    public boolean isEnabled() {
        return enabled;
    }

    @JsonProperty
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    @JsonProperty
    public Duration getLeaseInterval() {
        return leaseInterval;
    }

    @JsonProperty
    public void setLeaseInterval(Duration leaseInterval) {
        this.leaseInterval = leaseInterval;
    }

    @JsonProperty
    public Duration getStaleAfter() {
        return staleAfter;
    }

    @JsonProperty
    public void setStaleAfter(Duration staleAfter) {
        this.staleAfter = staleAfter;
    }

    @JsonProperty
    public int getExpectedInstances() {
        return expectedInstances;
    }

    @JsonProperty
    public void setExpectedInstances(int expectedInstances) {
        this.expectedInstances = expectedInstances;
    }
}
