package io.mnemo.processors.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mnemo.devstack.DevstackExtension;
import io.mnemo.kit.db.Daos;
import io.mnemo.schemas.ProjectionMigrations;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code projection_maintenance} on the devstack's Postgres with the real migrations (V10, V11). */
@ExtendWith(DevstackExtension.class)
class ProjectionMaintenanceDaoIT {
    private final String projection = "pm-" + UUID.randomUUID().toString().substring(0, 8);

    private static Jdbi primary() {
        var pg = DevstackExtension.devstack().primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        return Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password());
    }

    @AfterEach
    void forgetTheRuns() {
        primary().useHandle(h -> h.execute("DELETE FROM projection_maintenance WHERE projection = ?", projection));
    }

    @Test
    void readsBackThePhaseItRecordedAndStampsTheEndOfARunOnlyWhenThePhaseEndsIt() {
        primary().useHandle(h -> {
            ProjectionMaintenanceDao dao = Daos.attach(h, ProjectionMaintenanceDao.class);
            dao.record(projection, MaintenancePhase.BUILDING, "mnemo_rebuild_x", 0, null, "started");
            MaintenanceRun building = dao.find(projection, MaintenanceOperation.REBUILD).orElseThrow();
            assertThat(building.phase()).isEqualTo(MaintenancePhase.BUILDING);
            assertThat(building.finishedAt()).isNull();
            assertThat(building.oldCopy()).isNull();

            dao.record(projection, MaintenancePhase.VERIFICATION_FAILED, "mnemo_rebuild_x", 5, null, "differs");
            MaintenanceRun failed = dao.find(projection, MaintenanceOperation.REBUILD).orElseThrow();
            assertThat(failed.phase()).isEqualTo(MaintenancePhase.VERIFICATION_FAILED);
            assertThat(failed.finishedAt()).isNotNull();
            assertThat(dao.find(projection, MaintenanceOperation.REPLAY)).isEmpty();
        });
    }

    @Test
    void anOldCopyToDropIsFoundByItsColumnAndDroppedOnceWhateverTheDetailSays() {
        primary().useHandle(h -> {
            ProjectionMaintenanceDao dao = Daos.attach(h, ProjectionMaintenanceDao.class);
            dao.recordSwap(projection, "mnemo_retired_x", OldCopy.TO_DROP, 7, "old copy to drop: looks like a prefix");
            MaintenanceRun swapped = dao.find(projection, MaintenanceOperation.REBUILD).orElseThrow();
            assertThat(swapped.phase()).isEqualTo(MaintenancePhase.SWAPPED);
            assertThat(swapped.oldCopy()).isEqualTo(OldCopy.TO_DROP);
            assertThat(swapped.finishedAt()).isNotNull();

            dao.oldCopy(projection, OldCopy.DROPPED);
            MaintenanceRun dropped = dao.find(projection, MaintenanceOperation.REBUILD).orElseThrow();
            assertThat(dropped.oldCopy()).isEqualTo(OldCopy.DROPPED);
            assertThat(dropped.describe()).isEqualTo("old copy dropped: mnemo_retired_x; old copy to drop: looks like "
                    + "a prefix");

            // the next run starts afresh: no old copy until it swaps
            dao.record(projection, MaintenancePhase.BUILDING, "mnemo_rebuild_x", 0, null, "started");
            assertThat(dao.find(projection, MaintenanceOperation.REBUILD).orElseThrow().oldCopy()).isNull();
        });
    }

    @Test
    void refusesAPhaseOfAnotherOperationAndAnOldCopyOutsideASwap() {
        primary().useHandle(h -> {
            ProjectionMaintenanceDao dao = Daos.attach(h, ProjectionMaintenanceDao.class);
            assertThatThrownBy(() -> dao.upsert(projection, MaintenanceOperation.REPLAY, MaintenancePhase.SWAPPED,
                    null, 0, null, null, null, true)).isInstanceOf(UnableToExecuteStatementException.class)
                    .hasMessageContaining("projection_maintenance_phase");
            assertThatThrownBy(() -> dao.upsert(projection, MaintenanceOperation.REBUILD, MaintenancePhase.BUILDING,
                    null, 0, null, null, OldCopy.KEPT, false)).isInstanceOf(UnableToExecuteStatementException.class)
                    .hasMessageContaining("projection_maintenance_old_copy_of_a_swap");
        });
    }

    @Test
    void migrationV11MovesTheOldCopyOutOfTheDetailOfEarlierSwaps() {
        var pg = DevstackExtension.devstack().primary();
        String database = "mnemo_v11_" + UUID.randomUUID().toString().substring(0, 8);
        Jdbi admin = Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password());
        admin.useHandle(h -> h.execute("CREATE DATABASE " + database));
        String url = pg.jdbcUrl().replaceFirst("/mnemo(\\?|$)", "/" + database + "$1");
        try {
            ProjectionMigrations.migrate(url, pg.user(), pg.password(), "10");
            Jdbi jdbi = Jdbi.create(url, pg.user(), pg.password());
            jdbi.useHandle(h -> h.execute("""
                    INSERT INTO projection_maintenance (projection, operation, phase, schema_name, detail) VALUES
                    ('memories', 'rebuild', 'swapped', 'mnemo_retired_a',
                     'old copy to drop: mnemo_retired_a; checksums equal to the live table'),
                    ('media', 'rebuild', 'swapped', 'mnemo_retired_b',
                     'old copy kept in mnemo_retired_b; 2 tenant(s) differed'),
                    ('other', 'rebuild', 'swapped', 'mnemo_retired_c', 'old copy dropped: mnemo_retired_c'),
                    ('memories', 'replay', 'done', NULL, '{0=3}')"""));

            ProjectionMigrations.migrate(url, pg.user(), pg.password());

            try (Handle h = jdbi.open()) {
                ProjectionMaintenanceDao dao = Daos.attach(h, ProjectionMaintenanceDao.class);
                MaintenanceRun toDrop = dao.find("memories", MaintenanceOperation.REBUILD).orElseThrow();
                assertThat(toDrop.oldCopy()).isEqualTo(OldCopy.TO_DROP);
                assertThat(toDrop.detail()).isEqualTo("checksums equal to the live table");
                assertThat(toDrop.describe())
                        .isEqualTo("old copy to drop: mnemo_retired_a; checksums equal to the live table");
                MaintenanceRun kept = dao.find("media", MaintenanceOperation.REBUILD).orElseThrow();
                assertThat(kept.oldCopy()).isEqualTo(OldCopy.KEPT);
                assertThat(kept.describe()).isEqualTo("old copy kept in mnemo_retired_b; 2 tenant(s) differed");
                MaintenanceRun dropped = dao.find("other", MaintenanceOperation.REBUILD).orElseThrow();
                assertThat(dropped.oldCopy()).isEqualTo(OldCopy.DROPPED);
                assertThat(dropped.detail()).isNull();
                MaintenanceRun replay = dao.find("memories", MaintenanceOperation.REPLAY).orElseThrow();
                assertThat(replay.phase()).isEqualTo(MaintenancePhase.DONE);
                assertThat(replay.oldCopy()).isNull();
                assertThat(replay.describe()).isEqualTo("{0=3}");
            }
        } finally {
            admin.useHandle(h -> h.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)"));
        }
    }
}
