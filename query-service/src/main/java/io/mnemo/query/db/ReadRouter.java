package io.mnemo.query.db;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.mnemo.kit.db.DatabaseStatusDao;
import io.mnemo.kit.db.Daos;
import io.mnemo.query.core.LogPosition;
import io.mnemo.query.core.NoReadSource;
import io.mnemo.query.core.NotYetVisible;
import io.mnemo.query.core.Read;
import io.mnemo.query.core.ReadSource;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.common.utils.Utils;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the database that answers a read. Replicas are spread round-robin among those the monitor found
 * healthy and within the lag bound; the primary answers only when none qualifies. A read that must reflect a
 * position (the client's own write, or what it last read) runs on a source where the watermark of the projection
 * it reads, for the user's event-log partition, has reached it — read by the query's own statement
 * ({@link #readGated}: same snapshot as the rows) or by one just before it, whose later snapshot therefore reflects
 * at least that position — waiting up to a bound for a replica, then trying the
 * primary, else {@link NotYetVisible}. Each projection has its own sink and watermark, so a read waits for the
 * projection it reads, not another one that may be ahead; a read of two projections (a search: the words in
 * {@code memory_search}, the rows in {@code memories}) waits for both, and reports the lower watermark. A source failing mid-request is skipped, not reported
 * as an error.
 */
public final class ReadRouter {
    private static final Logger LOG = LoggerFactory.getLogger(ReadRouter.class);
    private static final long WAIT_STEP_MILLIS = 50;

    /** One database and what the monitor knows of it. */
    static final class Source {
        final String name;
        final Jdbi jdbi;
        final ReadSource kind;
        volatile boolean healthy = true;
        volatile double lagSeconds;
        final Counter reads;

        Source(String name, Jdbi jdbi, ReadSource kind, MeterRegistry metrics) {
            this.name = name;
            this.jdbi = jdbi;
            this.kind = kind;
            this.reads = Counter.builder("mnemo.query.reads").tag("source", kind.header()).tag("database", name)
                    .description("Reads answered, by source").register(metrics);
        }
    }

    private final List<Source> replicas = new ArrayList<>();
    private final Source primary;
    private final Duration maxLag;
    private final Duration positionWait;
    private final int eventPartitions;
    private final AtomicInteger next = new AtomicInteger();

    public ReadRouter(List<Jdbi> replicas, Jdbi primary, Duration maxLag, Duration positionWait, int eventPartitions,
                      MeterRegistry metrics) {
        for (int i = 0; i < replicas.size(); i++) {
            Source source = new Source("replica-" + (i + 1), replicas.get(i), ReadSource.REPLICA, metrics);
            this.replicas.add(source);
            Gauge.builder("mnemo.query.replica.lag.seconds", source, s -> s.lagSeconds).tag("database", source.name)
                    .description("Replay lag of the replica as the monitor last saw it").register(metrics);
            Gauge.builder("mnemo.query.replica.healthy", source, s -> s.healthy ? 1 : 0).tag("database", source.name)
                    .description("1 while the replica answers within the lag bound").register(metrics);
        }
        this.primary = new Source("primary", primary, ReadSource.PRIMARY, metrics);
        this.maxLag = maxLag;
        this.positionWait = positionWait;
        this.eventPartitions = eventPartitions;
    }

    /** Probes every replica once: reachable, in recovery, and its replay lag within the bound. */
    public void checkReplicas() {
        for (Source replica : replicas) {
            try {
                DatabaseStatusDao.Replication status = replica.jdbi.withHandle(h -> Daos.attach(h,
                        DatabaseStatusDao.class).replication());
                double lag = status.lagSeconds();
                boolean qualifies = status.standby() && lag <= maxLag.toMillis() / 1000.0;
                if (qualifies != replica.healthy) {
                    LOG.info("Replica {} {} (lag {} s)", replica.name, qualifies ? "back in rotation"
                            : "out of rotation", String.format("%.1f", lag));
                }
                replica.lagSeconds = lag;
                replica.healthy = qualifies;
            } catch (JdbiException e) {
                if (replica.healthy) {
                    LOG.warn("Replica {} out of rotation: {}", replica.name, e.getMessage());
                }
                replica.healthy = false;
            }
        }
    }

    /** Whether a replica qualifies for reads right now, or none is configured (for health checks). */
    public boolean anyReplicaHealthy() {
        return replicas.isEmpty() || replicas.stream().anyMatch(r -> r.healthy);
    }

    /**
     * Runs {@code query}, which reads {@code projection}, for the user (tenant/user key), reflecting at least
     * {@code atLeast} when given. The result carries the source and that projection's watermark of the user's
     * partition on it, read by a statement of its own just before the query's (the later snapshot reflects at least
     * the watermark read). Prefer {@link #readGated} on hot paths: one statement, one round trip.
     */
    public <T> Read<T> read(Projection projection, String tenantId, String userId, Optional<LogPosition> atLeast,
                            Function<Handle, T> query) {
        return readGated(projection, tenantId, userId, atLeast, (handle, watermarkNames, partition) -> {
            Optional<Long> watermark = WatermarksReadDao.appliedOffset(handle, watermarkNames, partition);
            return new Gated<>(query.apply(handle), watermark);
        });
    }

    /**
     * A query that reads its rows and the projection's watermark of a partition, ideally in one statement; for a
     * projection with two watermark names, the lower of the two ({@link WatermarksReadDao#appliedOffset(List)}).
     */
    @FunctionalInterface
    public interface GatedQuery<T> {
        Gated<T> run(Handle handle, List<String> watermarkNames, int partition);
    }

    /**
     * Like {@link #read}, with a query that returns the projection's watermark of the user's partition with its
     * value. When the watermark is below {@code atLeast} the value is discarded and the read tried again (another
     * replica, later, the primary) exactly as {@link #read} does.
     */
    public <T> Read<T> readGated(Projection projection, String tenantId, String userId, Optional<LogPosition> atLeast,
                                 GatedQuery<T> query) {
        int partition = partitionOf(tenantId, userId);
        List<String> watermarkNames = projection.watermarkNames();
        // a position in another partition says nothing about this user's data
        return read(Optional.of(partition), atLeast.filter(position -> position.partition() == partition),
                handle -> query.run(handle, watermarkNames, partition));
    }

    /** {@code partition}: the user's, whose watermark {@code query} returns; empty for tenant-wide reads. */
    private <T> Read<T> read(Optional<Integer> gate, Optional<LogPosition> atLeast,
                             Function<Handle, Gated<T>> query) {
        long required = atLeast.map(LogPosition::offset).orElse(-1L);
        long deadline = System.nanoTime() + (atLeast.isPresent() ? positionWait.toNanos() : 0);
        RuntimeException unavailable = null;
        while (true) {
            List<Source> candidates = rotation();
            if (candidates.isEmpty() && atLeast.isPresent()) {
                // no replica qualifies: the wait for the position is a wait for the primary
                Optional<Read<T>> read = attemptPrimary(gate, required, query, unavailable);
                if (read.isPresent()) {
                    return read.get();
                }
            }
            for (Source replica : candidates) {
                try {
                    Optional<Read<T>> read = attempt(replica, gate, required, query);
                    if (read.isPresent()) {
                        return read.get();
                    }
                } catch (JdbiException e) {
                    if (!isUnavailable(e)) {
                        throw e;
                    }
                    LOG.warn("Replica {} failed a read, trying the next source: {}", replica.name, e.getMessage());
                    replica.healthy = false;
                    unavailable = e;
                }
            }
            if (System.nanoTime() >= deadline) {
                break;
            }
            sleep();
        }
        Optional<Read<T>> read = attemptPrimary(gate, required, query, unavailable);
        if (read.isPresent()) {
            return read.get();
        }
        throw new NotYetVisible("Position " + atLeast.orElseThrow() + " is not reflected yet, not even on the primary");
    }

    /** A source chosen for a streaming export, which reads from it while writing the response. */
    public record StreamSource(ReadSource kind, Jdbi jdbi) {
    }

    /**
     * Picks a source for a streaming export: a healthy replica that answers, else the primary if it answers, else
     * {@link NoReadSource} (503), like every other read; an unchecked primary that is gone would fail the export
     * with a 500.
     */
    public StreamSource streamSource() {
        for (Source replica : rotation()) {
            try {
                replica.jdbi.useHandle(h -> Daos.attach(h, DatabaseStatusDao.class).ping());
                replica.reads.increment();
                return new StreamSource(ReadSource.REPLICA, replica.jdbi);
            } catch (JdbiException e) {
                if (!isUnavailable(e)) {
                    throw e;
                }
                replica.healthy = false;
            }
        }
        try {
            primary.jdbi.useHandle(h -> Daos.attach(h, DatabaseStatusDao.class).ping());
        } catch (JdbiException e) {
            if (!isUnavailable(e)) {
                throw e;
            }
            throw new NoReadSource("No replica and not the primary can stream the export", e);
        }
        primary.reads.increment();
        return new StreamSource(ReadSource.PRIMARY, primary.jdbi);
    }

    /** A read that is not about one user (tenant-wide analytics): no position, any qualifying source. */
    public <T> Read<T> readTenantWide(Function<Handle, T> query) {
        return read(Optional.empty(), Optional.empty(), handle -> new Gated<>(query.apply(handle), Optional.empty()));
    }

    private <T> Optional<Read<T>> attemptPrimary(Optional<Integer> gate, long required,
                                                 Function<Handle, Gated<T>> query,
                                                 RuntimeException replicaFailure) {
        try {
            return attempt(primary, gate, required, query);
        } catch (JdbiException e) {
            if (!isUnavailable(e)) {
                throw e;
            }
            throw new NoReadSource("No replica and not the primary could answer",
                    replicaFailure == null ? e : replicaFailure);
        }
    }

    private <T> Optional<Read<T>> attempt(Source source, Optional<Integer> gate, long required,
                                          Function<Handle, Gated<T>> query) {
        // The query returns the watermark with its value (one statement, one snapshot, on gated hot paths; or a
        // watermark statement before the data statement, whose later snapshot reflects at least the watermark).
        // Either way the reported position may only be older than the rows, never newer.
        Gated<T> result = source.jdbi.withHandle(query::apply);
        if (required >= 0 && result.watermark().orElse(-1L) < required) {
            return Optional.empty();
        }
        source.reads.increment();
        return Optional.of(new Read<>(result.value(), source.kind,
                gate.flatMap(partition -> result.watermark().map(offset -> new LogPosition(partition, offset)))));
    }

    /** Healthy replicas, starting at the next one in turn. */
    private List<Source> rotation() {
        List<Source> healthy = replicas.stream().filter(r -> r.healthy).toList();
        if (healthy.size() <= 1) {
            return healthy;
        }
        int start = Math.floorMod(next.getAndIncrement(), healthy.size());
        List<Source> ordered = new ArrayList<>(healthy.subList(start, healthy.size()));
        ordered.addAll(healthy.subList(0, start));
        return ordered;
    }

    /** The event-log partition of the user: Kafka's default partitioner on the record key {@code tenant/user}. */
    int partitionOf(String tenantId, String userId) {
        byte[] key = (tenantId + "/" + userId).getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % eventPartitions;
    }

    private static void sleep() {
        try {
            TimeUnit.MILLISECONDS.sleep(WAIT_STEP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NoReadSource("Interrupted while waiting for a replica", e);
        }
    }

    /** Connection-class failures (SQLState 08, 57P, or no SQLState at all because no connection was made). */
    static boolean isUnavailable(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state == null || state.startsWith("08") || state.startsWith("57P")) {
                    return true;
                }
            }
        }
        return false;
    }
}
