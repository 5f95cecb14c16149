package io.mnemo.query.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.query.core.Granularity;
import io.mnemo.query.core.LogPosition;
import io.mnemo.query.core.MemoryFilter;
import io.mnemo.query.core.NotYetVisible;
import io.mnemo.schemas.ProjectionMigrations;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reader on the devstack's primary with the real migrations: each read of one user is gated on, and reports,
 * the watermark of the projection its statement reads, whose sink may be ahead of or behind the others.
 */
@ExtendWith(DevstackExtension.class)
class JdbiMemoryReaderIT {
    private static final Jdbi PRIMARY = primary();
    private static final LocalDate FROM = LocalDate.of(2026, 1, 1);
    private static final LocalDate TO = LocalDate.of(2026, 2, 1);

    private final ReadRouter router = new ReadRouter(List.of(), PRIMARY, Duration.ofSeconds(5),
            Duration.ofMillis(200), 12, new SimpleMeterRegistry());
    private final JdbiMemoryReader reader = new JdbiMemoryReader(router);
    private final String tenant = "reader-" + UUID.randomUUID().toString().substring(0, 8);

    private static Jdbi primary() {
        var pg = DevstackExtension.devstack().primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        return Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()).installPlugin(new PostgresPlugin());
    }

    private static void watermark(String projection, int partition, long offset) {
        PRIMARY.useHandle(h -> h.execute("""
                INSERT INTO projection_watermarks (projection, partition, applied_offset) VALUES (?, ?, ?)
                ON CONFLICT (projection, partition) DO UPDATE SET applied_offset = EXCLUDED.applied_offset""",
                projection, partition, offset));
    }

    /** Other tests of this JVM share the table: positions start above every watermark of the partition. */
    private static long aboveEveryWatermark(int partition) {
        return PRIMARY.withHandle(h -> h.createQuery("SELECT coalesce(max(applied_offset), 0) FROM "
                + "projection_watermarks WHERE partition = :p").bind("p", partition).mapTo(Long.class).one()) + 1;
    }

    @Test
    void eachReadOfAUserIsGatedOnTheWatermarkOfTheProjectionItReads() {
        String user = "gated";
        int partition = router.partitionOf(tenant, user);
        long base = aboveEveryWatermark(partition);
        watermark("memories", partition, base + 30);
        watermark("media", partition, base + 20);
        watermark("user_activity_daily", partition, base + 10);
        MemoryFilter all = new MemoryFilter(Optional.empty(), Optional.empty(), List.of(), Optional.empty());

        assertThat(reader.newestFirst(tenant, user, all, Optional.empty(), 10, at(partition, base + 30)).position())
                .hasValue(new LogPosition(partition, base + 30));
        assertThat(reader.byId(tenant, user, UUID.randomUUID(), at(partition, base + 30)).position())
                .hasValue(new LogPosition(partition, base + 30));
        assertThat(reader.media(tenant, user, "photo", at(partition, base + 20)).position())
                .hasValue(new LogPosition(partition, base + 20));
        assertThat(reader.activity(tenant, user, FROM, TO, at(partition, base + 10)).position())
                .hasValue(new LogPosition(partition, base + 10));

        assertThatThrownBy(() -> reader.newestFirst(tenant, user, all, Optional.empty(), 10,
                at(partition, base + 31))).isInstanceOf(NotYetVisible.class);
        assertThatThrownBy(() -> reader.byId(tenant, user, UUID.randomUUID(), at(partition, base + 31)))
                .isInstanceOf(NotYetVisible.class);
        assertThatThrownBy(() -> reader.media(tenant, user, "photo", at(partition, base + 21)))
                .isInstanceOf(NotYetVisible.class);
        assertThatThrownBy(() -> reader.activity(tenant, user, FROM, TO, at(partition, base + 11)))
                .isInstanceOf(NotYetVisible.class);
    }

    @Test
    void withoutARequestedPositionEachReadReportsItsProjectionsWatermark() {
        String user = "monotonic";
        int partition = router.partitionOf(tenant, user);
        long base = aboveEveryWatermark(partition);
        watermark("memories", partition, base + 3);
        watermark("media", partition, base + 2);
        watermark("user_activity_daily", partition, base + 1);

        assertThat(reader.byId(tenant, user, UUID.randomUUID(), Optional.empty()).position())
                .hasValue(new LogPosition(partition, base + 3));
        assertThat(reader.media(tenant, user, "photo", Optional.empty()).position())
                .hasValue(new LogPosition(partition, base + 2));
        assertThat(reader.activity(tenant, user, FROM, TO, Optional.empty()).position())
                .hasValue(new LogPosition(partition, base + 1));
        assertThat(reader.tenantActivity(tenant, FROM, TO, Granularity.DAY).position()).isEmpty();
    }

    @Test
    void aPageAndItsWatermarkComeFromOneStatementInNewestFirstOrder() {
        String user = "one-statement";
        int partition = router.partitionOf(tenant, user);
        long base = aboveEveryWatermark(partition);
        watermark("memories", partition, base + 7);
        PRIMARY.useHandle(h -> {
            h.createQuery("SELECT mnemo_ensure_memories_month(CAST(date_trunc('month', now()) AS date), 8)")
                    .mapTo(Boolean.class).one();
            for (int i = 0; i < 3; i++) {
                h.execute("""
                        INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, tags,
                                              attributes, version, source_partition, source_offset)
                        VALUES (?, ?, date_trunc('month', now()) + ? * interval '1 hour', ?, now(), ?, ARRAY['t'],
                                '{"mood": "calm"}'::jsonb, 1, ?, ?)""",
                        tenant, user, i, UUID.randomUUID(), "memory " + i, partition, base + i);
            }
        });
        MemoryFilter all = MemoryFilter.none();

        var page = reader.newestFirst(tenant, user, all, Optional.empty(), 2, Optional.empty());
        assertThat(page.position()).hasValue(new LogPosition(partition, base + 7));
        assertThat(page.value()).extracting(v -> v.content()).containsExactly("memory 2", "memory 1");
        assertThat(page.value().get(0).attributes()).containsEntry("mood", "calm");
        Gated<List<io.mnemo.query.core.MemoryView>> direct = PRIMARY.withHandle(h ->
                MemoriesReadDao.newestFirstWithWatermark(h, "memories", partition, tenant, user, all,
                        Optional.empty(), 10));
        assertThat(direct.watermark()).hasValue(base + 7);
        assertThat(direct.value()).extracting(v -> v.content()).containsExactly("memory 2", "memory 1", "memory 0");
    }

    @Test
    void anEmptyPageStillReportsTheWatermarkAndNoWatermarkReportsNoPosition() {
        String user = "empty-page";
        int partition = router.partitionOf(tenant, user);
        long base = aboveEveryWatermark(partition);
        watermark("memories", partition, base + 5);

        var page = reader.newestFirst(tenant, user, MemoryFilter.none(), Optional.empty(), 10, Optional.empty());
        assertThat(page.value()).isEmpty();
        assertThat(page.position()).hasValue(new LogPosition(partition, base + 5));
        Gated<List<io.mnemo.query.core.MemoryView>> none = PRIMARY.withHandle(h ->
                MemoriesReadDao.newestFirstWithWatermark(h, "no-such-projection", partition, tenant, user,
                        MemoryFilter.none(), Optional.empty(), 10));
        assertThat(none.value()).isEmpty();
        assertThat(none.watermark()).isEmpty();
    }

    @Test
    void aSearchIsGatedOnTheLowerOfTheMemoriesAndSearchWatermarksAndAListOnTheMemoriesOnly() {
        String user = "search-gated";
        int partition = router.partitionOf(tenant, user);
        long base = aboveEveryWatermark(partition);
        MemoryFilter search = new MemoryFilter(Optional.empty(), Optional.empty(), List.of(), Optional.of("lake"));
        watermark("memories", partition, base + 30);
        watermark("memory_search", partition, base + 20);
        assertThat(reader.newestFirst(tenant, user, search, Optional.empty(), 10, at(partition, base + 20))
                .position()).hasValue(new LogPosition(partition, base + 20));
        assertThatThrownBy(() -> reader.newestFirst(tenant, user, search, Optional.empty(), 10,
                at(partition, base + 21))).isInstanceOf(NotYetVisible.class);
        assertThat(reader.newestFirst(tenant, user, MemoryFilter.none(), Optional.empty(), 10,
                at(partition, base + 30)).position()).hasValue(new LogPosition(partition, base + 30));

        watermark("memory_search", partition, base + 40);
        assertThat(reader.newestFirst(tenant, user, search, Optional.empty(), 10, at(partition, base + 30))
                .position()).hasValue(new LogPosition(partition, base + 30));
    }

    @Test
    void aSearchReturnsOnlyRowsWhoseContentMatchesWhicheverSinkIsAheadAndPagesByTheKeyset() {
        String user = "search-rows";
        UUID current = UUID.randomUUID();
        UUID revisedAway = UUID.randomUUID();
        UUID revisedInto = UUID.randomUUID();
        UUID forgotten = UUID.randomUUID();
        PRIMARY.useHandle(h -> {
            h.createQuery("SELECT mnemo_ensure_memories_month(CAST(date_trunc('month', now()) AS date), 8)")
                    .mapTo(Boolean.class).one();
            // rows as the memories sink left them (version, content) and words as the search sink left them
            row(h, user, current, 0, 1, "swam in the lake", 1, "swam in the lake");
            row(h, user, revisedAway, 1, 2, "walked in the hills", 1, "lake at dawn");
            row(h, user, revisedInto, 2, 2, "rowed on the lake", 1, "rowed on the river");
            h.execute("INSERT INTO memory_locator (tenant_id, user_id, memory_id, occurred_at, version, deleted)"
                    + " VALUES (?, ?, ?, now(), 2, true)", tenant, user, forgotten);
            h.execute("INSERT INTO memory_search (tenant_id, user_id, memory_id, version, words)"
                    + " VALUES (?, ?, ?, 2, NULL)", tenant, user, forgotten);
        });
        MemoryFilter lake = new MemoryFilter(Optional.empty(), Optional.empty(), List.of(), Optional.of("lake"));

        // the revision away from "lake" is not returned though its words still say lake; the revision into "lake"
        // is found once the search sink has its words (below), and a forgotten memory never
        assertThat(reader.newestFirst(tenant, user, lake, Optional.empty(), 10, Optional.empty()).value())
                .extracting(v -> v.content()).containsExactly("swam in the lake");
        PRIMARY.useHandle(h -> h.execute("UPDATE memory_search SET version = 2, words = to_tsvector('simple', ?)"
                + " WHERE tenant_id = ? AND user_id = ? AND memory_id = ?", "rowed on the lake", tenant, user,
                revisedInto));
        var first = reader.newestFirst(tenant, user, lake, Optional.empty(), 1, Optional.empty()).value();
        assertThat(first).extracting(v -> v.content()).containsExactly("rowed on the lake");
        var next = reader.newestFirst(tenant, user, lake, Optional.of(new io.mnemo.query.core.Cursor(
                first.get(0).occurredAt(), first.get(0).memoryId())), 10, Optional.empty()).value();
        assertThat(next).extracting(v -> v.content()).containsExactly("swam in the lake");
    }

    /** A memory {@code hour} hours into this month: its memories row and locator, and its memory_search row. */
    private void row(org.jdbi.v3.core.Handle h, String user, UUID id, int hour, long version, String content,
                     long wordsVersion, String words) {
        h.execute("""
                INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, version,
                                      source_partition, source_offset)
                VALUES (?, ?, date_trunc('month', now()) + ? * interval '1 hour', ?, now(), ?, ?, 0, 0)""",
                tenant, user, hour, id, content, version);
        h.execute("""
                INSERT INTO memory_locator (tenant_id, user_id, memory_id, occurred_at, version, deleted)
                VALUES (?, ?, ?, date_trunc('month', now()) + ? * interval '1 hour', ?, false)""",
                tenant, user, id, hour, version);
        h.execute("INSERT INTO memory_search (tenant_id, user_id, memory_id, version, words)"
                + " VALUES (?, ?, ?, ?, to_tsvector('simple', ?))", tenant, user, id, wordsVersion, words);
    }

    private static Optional<LogPosition> at(int partition, long offset) {
        return Optional.of(new LogPosition(partition, offset));
    }
}
