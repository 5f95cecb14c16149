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
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code mnemo reconcile} on the devstack: clean exits 0, a corrupted or missing row exits 1 and is named. */
@ExtendWith(DevstackExtension.class)
class ReconcileCommandIT {

    @Test
    void reportsAProjectionThatMatchesTheLogAsCleanAndNamesEveryDifferenceOtherwise() throws Exception {
        Jdbi jdbi = ChangeLogFixture.primary();
        ChangeLogFixture.provisionTopics();
        String tenant = "rc-" + UUID.randomUUID().toString().substring(0, 8);
        List<MemoryChanged> changes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            changes.add(MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant)
                    .setUserId("u" + i).setMemoryId(UUID.randomUUID()).setVersion(1).setKind(MemoryChangeKind.UPSERTED)
                    .setState(MemoryState.newBuilder().setOccurredAt(Instant.parse("2026-02-0" + (i + 1) + "T10:00:00Z"))
                            .setRecordedAt(Instant.parse("2026-02-10T00:00:00Z")).setContent("memory " + i)
                            .setTags(List.of("t")).setAttributes(Map.of("k", "v")).setMediaIds(List.of())
                            .setMedia(List.of()).build())
                    .setSourcePartition(0).setSourceOffset(i).build());
        }
        ChangeLogFixture.publishAndProject(tenant, changes);

        StringWriter clean = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(clean, "reconcile", "--tenant", tenant)).as(clean.toString()).isZero();
        assertThat(clean.toString()).contains("5 memories in the log").contains("Clean");

        jdbi.useHandle(h -> {
            h.execute("UPDATE memories SET content = 'edited by hand' WHERE tenant_id = ? AND user_id = 'u1'", tenant);
            h.execute("DELETE FROM memories WHERE tenant_id = ? AND user_id = 'u2'", tenant);
        });
        StringWriter dirty = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(dirty, "reconcile", "--tenant", tenant)).isEqualTo(ReconcileCommand.DIFFERENCES);
        assertThat(dirty.toString()).contains("STALE " + tenant + "/u1/").contains("MISSING " + tenant + "/u2/")
                .contains("2 difference(s)");
        StringWriter json = new StringWriter();
        assertThat(ChangeLogFixture.mnemo(json, "reconcile", "--tenant", tenant, "--json")).isEqualTo(ReconcileCommand.DIFFERENCES);
        assertThat(json.toString()).contains("\"clean\" : false").contains("\"kind\" : \"MISSING\"");
    }
}
