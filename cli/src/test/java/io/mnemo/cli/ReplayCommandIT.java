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
}
