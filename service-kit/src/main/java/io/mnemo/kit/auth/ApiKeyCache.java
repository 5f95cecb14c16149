package io.mnemo.kit.auth;

import com.codahale.metrics.health.HealthCheck;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every active API key in memory, refreshed periodically, so authenticating a request costs no database round
 * trip and keeps working while Postgres is down (the last good snapshot is kept until a refresh succeeds). A key
 * missing from the snapshot is looked up once, so a key created a moment ago works at once; unknown ids are
 * remembered briefly so garbage keys cannot turn every request into a query.
 */
public final class ApiKeyCache implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyCache.class);
    /** Bounds the memory an attacker can fill with random key ids; past it the negative cache starts over. */
    static final int MAX_REMEMBERED_UNKNOWN = 10_000;

    private final ApiKeySource source;
    private final Duration refreshInterval;
    private final Duration unknownKeyTtl;
    private final Clock clock;
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();
    private final Map<String, Instant> unknownUntil = new ConcurrentHashMap<>();
    private volatile Instant lookupsSuspendedUntil = Instant.MIN;
    private volatile Instant lastFailureAt;
    private volatile String lastFailure;
    private ScheduledExecutorService scheduler;

    /** The keys of one successful load and when it happened. */
    record Snapshot(Map<String, ApiKey> keys, Instant loadedAt) {
        Snapshot with(ApiKey key) {
            Map<String, ApiKey> copy = new HashMap<>(keys);
            copy.put(key.keyId(), key);
            return new Snapshot(Map.copyOf(copy), loadedAt);
        }
    }

    /**
     * @param refreshInterval how often every active key is reloaded (and so how long a revoked key keeps working)
     * @param unknownKeyTtl   how long a key id found missing (or a failed lookup) is remembered
     */
    public ApiKeyCache(ApiKeySource source, Duration refreshInterval, Duration unknownKeyTtl, Clock clock) {
        this.source = source;
        this.refreshInterval = refreshInterval;
        this.unknownKeyTtl = unknownKeyTtl;
        this.clock = clock;
    }

    /** Loads the first snapshot, then refreshes in the background. Start-up does not fail when Postgres is down. */
    @Override
    public void start() {
        refresh();
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "api-key-refresh");
            thread.setDaemon(true);
            return thread;
        });
        long millis = refreshInterval.toMillis();
        scheduler.scheduleWithFixedDelay(this::refresh, millis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** Reloads every active key; on failure keeps the previous snapshot. Returns whether the load succeeded. */
    public boolean refresh() {
        try {
            List<ApiKey> active = source.loadAllActive();
            Map<String, ApiKey> byId = new HashMap<>();
            active.forEach(key -> byId.put(key.keyId(), key));
            Snapshot previous = snapshot.getAndSet(new Snapshot(Map.copyOf(byId), clock.instant()));
            if (lastFailure != null) {
                LOG.info("API keys loaded again ({} active) after failures since {}", byId.size(), lastFailureAt);
            } else if (previous == null) {
                LOG.info("API keys loaded ({} active)", byId.size());
            }
            lastFailure = null;
            lastFailureAt = null;
            return true;
        } catch (RuntimeException e) {
            Snapshot kept = snapshot.get();
            boolean firstFailure = lastFailure == null;
            lastFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (firstFailure) {
                lastFailureAt = clock.instant();
                // the stack trace once per outage, not once per refresh
                LOG.warn("Cannot refresh API keys; {}", kept == null ? "no snapshot yet, only lookups can authenticate"
                        : "keeping the snapshot of " + kept.keys().size() + " keys from " + kept.loadedAt(), e);
            } else {
                LOG.warn("Still cannot refresh API keys ({}); snapshot from {}", lastFailure,
                        kept == null ? "never" : kept.loadedAt());
            }
            return false;
        }
    }

    /**
     * The active key with this id, or empty when there is none (unknown or revoked).
     *
     * @throws ApiKeysUnavailable when the key is not cached and the store cannot be asked
     */
    public Optional<ApiKey> find(String keyId) {
        Snapshot current = snapshot.get();
        if (current != null) {
            ApiKey cached = current.keys().get(keyId);
            if (cached != null) {
                return Optional.of(cached);
            }
        }
        Instant now = clock.instant();
        Instant unknown = unknownUntil.get(keyId);
        if (unknown != null) {
            if (now.isBefore(unknown)) {
                return Optional.empty();
            }
            unknownUntil.remove(keyId, unknown);
        }
        if (now.isBefore(lookupsSuspendedUntil)) {
            throw new ApiKeysUnavailable("API key store unavailable (recent lookup failed)", null);
        }
        if (!lookupAllowed(now)) {
            // A flood of made-up key ids must not turn into a flood of queries on the primary (this runs before
            // any rate limit, which needs a known key): beyond the budget an uncached key is simply unknown.
            return Optional.empty();
        }
        Optional<ApiKey> found;
        try {
            found = source.find(keyId);
        } catch (RuntimeException e) {
            // While the store is down every miss would wait for a connection timeout: fail fast for a while.
            lookupsSuspendedUntil = now.plus(unknownKeyTtl);
            LOG.warn("Cannot look up API key {}: {}", keyId, e.toString());
            throw new ApiKeysUnavailable("API key store unavailable", e);
        }
        if (found.isPresent() && found.get().isActive()) {
            // Only into the snapshot the lookup started from: a refresh that ran meanwhile may already know the
            // key was revoked, and must not be overwritten with the stale answer.
            if (current != null) {
                snapshot.compareAndSet(current, current.with(found.get()));
            }
            return found;
        }
        if (unknownUntil.size() >= MAX_REMEMBERED_UNKNOWN) {
            unknownUntil.clear();
        }
        unknownUntil.put(keyId, now.plus(unknownKeyTtl));
        return Optional.empty();
    }

    /** Store lookups of uncached keys allowed per second, across all key ids. */
    static final int MAX_LOOKUPS_PER_SECOND = 20;
    private long lookupWindowSecond;
    private int lookupsInWindow;

    private synchronized boolean lookupAllowed(Instant now) {
        long second = now.getEpochSecond();
        if (second != lookupWindowSecond) {
            lookupWindowSecond = second;
            lookupsInWindow = 0;
        }
        return lookupsInWindow++ < MAX_LOOKUPS_PER_SECOND;
    }

    /** Reports whether keys are loaded and how old they are: stale keys are degraded, not down. */
    public HealthCheck healthCheck() {
        return new HealthCheck() {
            @Override
            protected Result check() {
                Snapshot current = snapshot.get();
                if (current == null) {
                    return Result.unhealthy("no API keys loaded yet: " + lastFailure);
                }
                Duration age = Duration.between(current.loadedAt(), clock.instant());
                String state = current.keys().size() + " active keys, loaded " + age.toSeconds() + " s ago";
                if (lastFailure != null) {
                    // Still healthy: requests with known keys are served; restarting would lose the snapshot.
                    return Result.healthy("STALE: " + state + "; refresh failing since " + lastFailureAt + ": "
                            + lastFailure);
                }
                return Result.healthy(state);
            }
        };
    }

    /** When the current snapshot was loaded, if there is one. */
    public Optional<Instant> loadedAt() {
        return Optional.ofNullable(snapshot.get()).map(Snapshot::loadedAt);
    }
}
