package io.mnemo.processors.db;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the monthly partitions of {@code memories} in place: ahead of time for the coming months and on
 * demand for backfilled memories of older months. Remembers what exists so the hot path asks Postgres once
 * per month per process.
 */
public final class MemoryPartitions {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryPartitions.class);

    private final Jdbi jdbi;
    private final int hashPartitions;
    private final Set<YearMonth> known = ConcurrentHashMap.newKeySet();

    public MemoryPartitions(Jdbi jdbi, int hashPartitions) {
        this.jdbi = jdbi;
        this.hashPartitions = hashPartitions;
    }

    /**
     * How many hash sub-partitions the newest month of the {@code memories} table that {@code handle} resolves
     * has (8, the sink's default, when there is no month yet): what a writer that is not the sink (a replay, a
     * rebuild) must create months with, whatever the sink was configured with.
     */
    public static int liveHashPartitions(Handle handle) {
        return handle.createQuery("""
                        SELECT count(*) FROM pg_inherits i
                        WHERE i.inhparent = (SELECT c.oid FROM pg_inherits p JOIN pg_class c ON c.oid = p.inhrelid
                                             WHERE p.inhparent = to_regclass('memories')
                                               AND c.relname ~ '^memories_p[0-9]{6}$'
                                             ORDER BY c.relname DESC LIMIT 1)""")
                .mapTo(Integer.class).findOne().filter(n -> n > 0).orElse(8);
    }

    /** The current month and the {@code monthsAhead} after it. */
    public void ensureAhead(Instant now, int monthsAhead) {
        YearMonth current = YearMonth.from(now.atOffset(ZoneOffset.UTC));
        Set<YearMonth> months = new TreeSet<>();
        for (int i = 0; i <= monthsAhead; i++) {
            months.add(current.plusMonths(i));
        }
        ensure(months);
    }

    /** The months of the given instants (UTC), created in their own transactions before rows are written. */
    public void ensureFor(Collection<Instant> occurredAts) {
        Set<YearMonth> months = new TreeSet<>();
        for (Instant at : occurredAts) {
            YearMonth month = YearMonth.from(at.atOffset(ZoneOffset.UTC));
            if (!known.contains(month)) {
                months.add(month);
            }
        }
        ensure(months);
    }

    /**
     * Rows in the default partition: memories whose month partition was missing when they were written. Zero
     * unless a month was dropped or detached by hand; creating the month again moves them out.
     */
    public long rowsInDefaultPartition() {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT count(*) FROM memories_default")
                .mapTo(Long.class).one());
    }

    /** Forgets what this process believes exists (after an operator dropped or detached a month). */
    public void forgetKnownMonths() {
        known.clear();
    }

    private void ensure(Set<YearMonth> months) {
        for (YearMonth month : months) {
            if (known.contains(month)) {
                continue;
            }
            LocalDate first = month.atDay(1);
            boolean created = jdbi.withHandle(handle -> handle
                    .createQuery("SELECT mnemo_ensure_memories_month(:month, :hashPartitions)")
                    .bind("month", first).bind("hashPartitions", hashPartitions)
                    .mapTo(Boolean.class).one());
            if (created) {
                LOG.info("Created memories partition for {} ({} hash sub-partitions)", month, hashPartitions);
            }
            known.add(month);
        }
    }
}
