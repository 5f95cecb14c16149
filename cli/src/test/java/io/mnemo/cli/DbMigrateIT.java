package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.devstack.DevstackExtension;
import java.io.StringWriter;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code mnemo db migrate}, the deploy step the Kubernetes Job and the ECS one-off task run: it brings an empty
 * database to the latest schema, and a second run (the next deploy, or a retried Job) changes nothing.
 */
@ExtendWith(DevstackExtension.class)
class DbMigrateIT {

    @Test
    void migratesAnEmptyDatabaseAndThenHasNothingLeftToDo() {
        String database = "mnemo_migrate_" + UUID.randomUUID().toString().substring(0, 8);
        ChangeLogFixture.primary().useHandle(h -> h.execute("CREATE DATABASE " + database));
        var pg = DevstackExtension.devstack().primary();
        String url = pg.jdbcUrl().replaceFirst("/mnemo(\\?|$)", "/" + database + "$1");

        StringWriter first = new StringWriter();
        assertThat(ChangeLogFixture.mnemoOn(url, first, "db", "migrate")).as(first.toString()).isZero();
        assertThat(first.toString()).containsPattern("Schema at version \\d+: [1-9]\\d* migration\\(s\\) applied");
        Jdbi db = Jdbi.create(url, pg.user(), pg.password());
        boolean memories = db.withHandle(h -> h.createQuery("SELECT to_regclass('public.memories') IS NOT NULL")
                .mapTo(Boolean.class).one());
        assertThat(memories).isTrue();

        StringWriter second = new StringWriter();
        assertThat(ChangeLogFixture.mnemoOn(url, second, "db", "migrate")).as(second.toString()).isZero();
        assertThat(second.toString()).containsPattern("Schema at version \\d+: 0 migration\\(s\\) applied");
    }
}
