package io.mnemo.kit.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code auth:} section of a service: how often API keys are reloaded from Postgres and the rate limit of
 * keys that do not carry their own. {@link #build} wires the key cache (lifecycle and health check) and the
 * filters of every {@link RequiresScope} endpoint.
 */
public class AuthFactory {
    private static final Logger LOG = LoggerFactory.getLogger(AuthFactory.class);

    /** How often every active key is reloaded; also how long a revoked key may keep working. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    private Duration refreshInterval = Duration.seconds(30);

    /** How long a key id found missing (or a failed lookup) is remembered before Postgres is asked again. */
    @NotNull
    @MinDuration(value = 100, unit = TimeUnit.MILLISECONDS)
    private Duration unknownKeyTtl = Duration.seconds(5);

    /** Sustained requests per second of a key without its own rate. */
    @Min(1)
    @Max(1_000_000)
    private int defaultRatePerSecond = 200;

    /** Requests a key without its own burst may make at once. */
    @Min(1)
    @Max(1_000_000)
    private int defaultBurst = 400;

    /** Whether keys' limits are shared by every instance (leased from Postgres) or enforced per instance. */
    @jakarta.validation.Valid
    @NotNull
    private SharedRateLimitsFactory sharedLimits = new SharedRateLimitsFactory();

    /**
     * Builds the key cache on {@code jdbi} (the database holding {@code api_keys}), manages it, registers its
     * health check as {@code api-keys} and the authentication feature with Jersey.
     *
     * @param service the metric prefix, {@code mnemo.<service>.api.keys...}
     */
    public ApiKeyCache build(Environment environment, Jdbi jdbi, MeterRegistry metrics, String service) {
        ApiKeyCache cache = new ApiKeyCache(new ApiKeyStore(jdbi), refreshInterval.toJavaDuration(),
                unknownKeyTtl.toJavaDuration(), Clock.systemUTC());
        environment.lifecycle().manage(cache);
        environment.healthChecks().register("api-keys", cache.healthCheck());
        environment.jersey().register(new ApiKeyAuthFeature(cache, new RateLimiter(defaultRatePerSecond,
                defaultBurst, sharedLimits.build(environment, jdbi, metrics, service))));
        environment.jersey().register(new RateLimitProblems());
        // Refusals are counted by HttpMetrics (mnemo.<service>.rejected{reason,tenant}); these say whether
        // the keys being enforced are current.
        Gauge.builder("mnemo." + service + ".api.keys.snapshot.age.seconds", cache,
                        c -> c.loadedAt().map(at -> java.time.Duration.between(at, Instant.now()).toMillis() / 1000.0)
                                .orElse(Double.NaN))
                .description("Age of the API keys being enforced; grows while Postgres cannot be read")
                .register(metrics);
        LOG.info("API keys: refreshed every {}, unknown ids remembered {}, default limit {}/s burst {}, {}",
                refreshInterval, unknownKeyTtl, defaultRatePerSecond, defaultBurst, sharedLimits.isEnabled()
                        ? "shared by every instance (leased every " + sharedLimits.getLeaseInterval()
                        + ", 1/" + sharedLimits.getExpectedInstances() + " each while Postgres is unreachable)"
                        : "per instance");
        return cache;
    }

    @JsonProperty
    public Duration getRefreshInterval() {
        return refreshInterval;
    }

    @JsonProperty
    public void setRefreshInterval(Duration refreshInterval) {
        this.refreshInterval = refreshInterval;
    }

    @JsonProperty
    public Duration getUnknownKeyTtl() {
        return unknownKeyTtl;
    }

    @JsonProperty
    public void setUnknownKeyTtl(Duration unknownKeyTtl) {
        this.unknownKeyTtl = unknownKeyTtl;
    }

    @JsonProperty
    public int getDefaultRatePerSecond() {
        return defaultRatePerSecond;
    }

    @JsonProperty
    public void setDefaultRatePerSecond(int defaultRatePerSecond) {
        this.defaultRatePerSecond = defaultRatePerSecond;
    }

    @JsonProperty
    public SharedRateLimitsFactory getSharedLimits() {
        return sharedLimits;
    }

    @JsonProperty
    public void setSharedLimits(SharedRateLimitsFactory sharedLimits) {
        this.sharedLimits = sharedLimits;
    }

    @JsonProperty
    public int getDefaultBurst() {
        return defaultBurst;
    }

    @JsonProperty
    public void setDefaultBurst(int defaultBurst) {
        this.defaultBurst = defaultBurst;
    }
}
