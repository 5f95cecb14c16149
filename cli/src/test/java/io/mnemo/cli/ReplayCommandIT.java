package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.devstack.DevstackExtension;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Corrupt rows by hand → {@code mnemo reconcile} finds them → {@code mnemo replay} repairs them →
 * {@code reconcile} is clean; a dry run changes nothing; a second replay while one runs is refused.
 */
@ExtendWith(DevstackExtension.class)
class ReplayCommandIT {

    @Test
    void aReplayRepairsRowsCorruptedByHandAndAConcurrentOneIsRefused() throws Exception {
        Jdbi jdbi = ChangeLogFixture.primary();
        ChangeLogFixture.provisionTopics();
        Instant before = Instant.now().minusSeconds(1);
        String tenant = "rp-" + UUID.randomUUID().toString().substring(0, 8);
        List<MemoryChanged> changes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            UUID id = UUID.randomUUID();
            for (int version = 1; version <= 2; version++) {
                changes.add(MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant)
                        .setUserId("u" + i).setMemoryId(id).setVersion(version).setKind(MemoryChangeKind.UPSERTED)
                        .setState(MemoryState.newBuilder()
                                .setOccurredAt(Instant.parse("2026-0" + (version + 2) + "-0" + (i + 1) + "T10:00:00Z"))
                                .setRecordedAt(Instant.parse("2026-04-10T00:00:00Z")).setContent("memory " + i + " v" + version)
                                .setTags(List.of()).setAttributes(Map.of()).setMediaIds(List.of()).setMedia(List.of())
                                .build())
                        .setSourcePartition(999).setSourceOffset(i * 2L + version).build());
            }
        }
        ChangeLogFixture.publishAndProject(tenant, changes);
        StringWriter clean = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(clean, "reconcile", "--tenant", tenant)).as(clean.toString()).isZero();

        jdbi.useHandle(h -> {
            h.execute("UPDATE memories SET content = 'edited by hand' WHERE tenant_id = ? AND user_id = 'u1'", tenant);
            h.execute("DELETE FROM memories WHERE tenant_id = ? AND user_id = 'u2'", tenant);
            // a stale copy left in the month the memory moved away from
            h.execute("""
                    INSERT INTO memories (tenant_id, user_id, occurred_at, memory_id, recorded_at, content, version,
                                          source_partition, source_offset)
                    SELECT tenant_id, user_id, occurred_at - interval '1 month', memory_id, recorded_at, 'old copy', 1,
                           source_partition, source_offset
                    FROM memories WHERE tenant_id = ? AND user_id = 'u3'""", tenant);
        });
        StringWriter dirty = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(dirty, "reconcile", "--tenant", tenant)).isEqualTo(ReconcileCommand.DIFFERENCES);
        assertThat(dirty.toString()).contains("STALE").contains("MISSING").contains("DOUBLED");

        StringWriter dry = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(dry, "replay", "--projection", "memories", "--from", before.toString(), "--dry-run"))
                .as(dry.toString()).isZero();
        assertThat(dry.toString()).contains("Would re-apply 12 record(s)").contains("Rows that would change: 3");
        assertThat(ChangeLogFixture.mnemo(new StringWriter(), "reconcile", "--tenant", tenant)).isEqualTo(ReconcileCommand.DIFFERENCES);

        try (Handle holder = jdbi.open()) {
            assertThat(io.mnemo.processors.db.MaintenanceLock.tryAcquire(holder, "memories")).isTrue();
            StringWriter refused = new StringWriter();
            assertThat(ChangeLogFixture.mnemo(refused, "replay", "--projection", "memories", "--from", before.toString()))
                    .isEqualTo(ReplayCommand.REFUSED);
            assertThat(refused.toString()).contains("Another replay or a rebuild");
        }

        StringWriter replay = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(replay, "replay", "--projection", "memories", "--from", before.toString()))
                .as(replay.toString()).isZero();
        assertThat(replay.toString()).contains("Re-applied");
        StringWriter repaired = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(repaired, "reconcile", "--tenant", tenant)).as(repaired.toString()).isZero();
        // and again: replaying is idempotent
        assertThat(ChangeLogFixture.mnemo(new StringWriter(), "replay", "--projection", "memories", "--from", before.toString()))
                .isZero();
        assertThat(ChangeLogFixture.mnemo(new StringWriter(), "reconcile", "--tenant", tenant)).isZero();
    }

    @Test
    void aReplayOfTheSearchProjectionRewritesWordsDamagedByHandAndLeavesOlderVersionsOut() throws Exception {
        Jdbi jdbi = ChangeLogFixture.primary();
        ChangeLogFixture.provisionTopics();
        Instant before = Instant.now().minusSeconds(1);
        String tenant = "rs-" + UUID.randomUUID().toString().substring(0, 8);
        UUID id = UUID.randomUUID();
        List<MemoryChanged> changes = new ArrayList<>();
        for (int version = 1; version <= 2; version++) {
            changes.add(MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant)
                    .setUserId("u").setMemoryId(id).setVersion(version).setKind(MemoryChangeKind.UPSERTED)
                    .setState(MemoryState.newBuilder().setOccurredAt(Instant.parse("2026-03-01T10:00:00Z"))
                            .setRecordedAt(Instant.parse("2026-04-10T00:00:00Z"))
                            .setContent(version == 1 ? "first pears" : "then apples")
                            .setTags(List.of()).setAttributes(Map.of()).setMediaIds(List.of()).setMedia(List.of())
                            .build())
                    .setSourcePartition(999).setSourceOffset(version).build());
        }
        ChangeLogFixture.publishAndProject(tenant, changes);
        jdbi.useHandle(h -> h.execute("UPDATE memory_search SET words = to_tsvector('simple', 'damaged')"
                + " WHERE tenant_id = ?", tenant));

        StringWriter dry = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(dry, "replay", "--projection", "memory_search", "--from",
                before.toString(), "--dry-run")).isEqualTo(2);
        StringWriter replay = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(replay, "replay", "--projection", "memory_search", "--from",
                before.toString())).as(replay.toString()).isZero();
        String row = jdbi.withHandle(h -> h.createQuery("SELECT version || ' ' || words::text FROM memory_search"
                + " WHERE tenant_id = :t").bind("t", tenant).mapTo(String.class).one());
        assertThat(row).isEqualTo("2 'apples':2 'then':1");
    }

    private static long rowsOf(Jdbi jdbi, String tenant) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM memories WHERE tenant_id = :t")
                .bind("t", tenant).mapTo(Long.class).one());
    }

    private static long hashPartitionsOf(Jdbi jdbi, String month) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM pg_inherits WHERE inhparent = to_regclass(:m)")
                .bind("m", month).mapTo(Long.class).one());
    }

    private static MemoryChanged upsert(String tenant, String user, Instant occurredAt, long offset) {
        return MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId(user)
                .setMemoryId(UUID.randomUUID()).setVersion(1).setKind(MemoryChangeKind.UPSERTED)
                .setState(MemoryState.newBuilder().setOccurredAt(occurredAt)
                        .setRecordedAt(Instant.parse("2026-04-10T00:00:00Z")).setContent("memory " + offset)
                        .setTags(List.of()).setAttributes(Map.of()).setMediaIds(List.of()).setMedia(List.of())
                        .build())
                .setSourcePartition(999).setSourceOffset(offset).build();
    }

    @Test
    void aReplayCreatesAMissingMonthWithTheLiveHashPartitionCount() throws Exception {
        ChangeLogFixture.primary();
        ChangeLogFixture.provisionTopics();
        String database = ChangeLogFixture.freshDatabase("mnemo_replay");
        try {
            Jdbi jdbi = Jdbi.create(database, DevstackExtension.devstack().primary().user(),
                    DevstackExtension.devstack().primary().password());
            // this projection's months have 3 hash partitions, not the sink's default 8
            jdbi.useHandle(h -> h.execute("SELECT mnemo_ensure_memories_month('2099-01-01', 3)"));
            Instant before = Instant.now().minusSeconds(1);
            String tenant = "rp-" + UUID.randomUUID().toString().substring(0, 8);
            ChangeLogFixture.publishAndProject(tenant, List.of(upsert(tenant, "u", Instant.parse("2032-07-04T10:00:00Z"), 1)));

            StringWriter replay = new StringWriter();
            assertThat(ChangeLogFixture.mnemoOn(database, replay, "replay", "--projection", "memories", "--from",
                    before.toString())).as(replay.toString()).isZero();

            assertThat(hashPartitionsOf(jdbi, "memories_p203207")).as("hash partitions of the month it created")
                    .isEqualTo(3);
            assertThat(rowsOf(jdbi, tenant)).isEqualTo(1);
        } finally {
            ChangeLogFixture.dropDatabase(database);
        }
    }

    @Test
    void aJsonReplayOfManyBatchesWritesItsProgressAtMostOnceASecond() throws Exception {
        ChangeLogFixture.primary();
        ChangeLogFixture.provisionTopics();
        String database = ChangeLogFixture.freshDatabase("mnemo_replay");
        try {
            Jdbi jdbi = Jdbi.create(database, DevstackExtension.devstack().primary().user(),
                    DevstackExtension.devstack().primary().password());
            jdbi.useHandle(h -> h.execute("""
                    CREATE TABLE maintenance_writes (at timestamptz NOT NULL, phase text NOT NULL);
                    CREATE FUNCTION note_maintenance_write() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        INSERT INTO maintenance_writes VALUES (clock_timestamp(), NEW.phase);
                        RETURN NULL;
                    END $$;
                    CREATE TRIGGER note_maintenance_write AFTER INSERT OR UPDATE ON projection_maintenance
                        FOR EACH ROW EXECUTE FUNCTION note_maintenance_write();
                    -- 100 ms per write transaction: the replay of 30+ batches lasts 3 s or more on any machine
                    CREATE FUNCTION slow_batch() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF current_setting('mnemo_test.slowed', true) IS DISTINCT FROM txid_current()::text THEN
                            PERFORM set_config('mnemo_test.slowed', txid_current()::text, true);
                            PERFORM pg_sleep(0.1);
                        END IF;
                        RETURN NULL;
                    END $$;
                    CREATE TRIGGER slow_batch AFTER INSERT OR UPDATE ON memory_locator
                        FOR EACH STATEMENT EXECUTE FUNCTION slow_batch();"""));
            Instant before = Instant.now().minusSeconds(1);
            String tenant = "rp-" + UUID.randomUUID().toString().substring(0, 8);
            List<MemoryChanged> changes = new ArrayList<>();
            for (int i = 0; i < 15_000; i++) {
                changes.add(upsert(tenant, "u" + (i % 50), Instant.parse("2026-05-01T00:00:00Z").plusSeconds(i * 60L), i));
            }
            ChangeLogFixture.publishAndProject(tenant, changes);

            StringWriter replay = new StringWriter();
            long started = System.nanoTime();
            assertThat(ChangeLogFixture.mnemoOn(database, replay, "replay", "--projection", "memories", "--from",
                    before.toString(), "--json")).as(replay.toString()).isZero();
            double seconds = (System.nanoTime() - started) / 1e9;

            assertThat(seconds).as("the replay must outlast the rate limit for this test to mean anything")
                    .isGreaterThan(3.0);
            List<Instant> writes = jdbi.withHandle(h -> h.createQuery("SELECT at FROM maintenance_writes ORDER BY at")
                    .mapTo(Instant.class).list());
            assertThat(writes.size()).as("%s progress writes in %.1f s", writes.size(), seconds)
                    .isLessThanOrEqualTo(2 + (int) Math.ceil(seconds));
            // progress at most once a second: only the final write may follow the one before it sooner
            for (int i = 1; i < writes.size() - 1; i++) {
                assertThat(java.time.Duration.between(writes.get(i - 1), writes.get(i)))
                        .as("write %d of %s", i, writes).isGreaterThan(java.time.Duration.ofMillis(900));
            }
            assertThat(rowsOf(jdbi, tenant)).isEqualTo(15_000);
        } finally {
            ChangeLogFixture.dropDatabase(database);
        }
    }
}
