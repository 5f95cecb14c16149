package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.processors.ProcessorsConfiguration;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The restore runbook, end to end: {@code mnemo db backup} while the processors run, more changes after it, the
 * database lost, {@code mnemo db restore} into a fresh database, the processors started on it: their sinks resume
 * from the restored offsets and catch up from the log, and {@code mnemo reconcile} is clean there.
 */
@ExtendWith(DevstackExtension.class)
class BackupRestoreIT {
    static final Devstack DEVSTACK = DevstackExtension.devstack();

    @Test
    void aRestoredBackupCatchesUpFromTheLogToEveryChangeMadeAfterIt() throws Throwable {
        ChangeLogFixture.primary();
        ChangeLogFixture.provisionTopics();
        String tenant = "br-" + UUID.randomUUID().toString().substring(0, 8);
        var pg = DEVSTACK.primary();
        Path backup = Files.createTempDirectory("mnemo-backup-it").resolve("backup");

        DropwizardAppExtension<ProcessorsConfiguration> processors = PlatformApps.processors(DEVSTACK);
        processors.before();
        try {
            publish(tenant, 0, 3_000, 1);
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(rows(pg.jdbcUrl(), tenant)).isEqualTo(3_000));
            StringWriter out = new StringWriter();
            assertThat(ChangeLogFixture.mnemo(out, "db", "backup", "--out", backup.toString())).as(out.toString()).isZero();
            assertThat(out.toString()).contains("memories").contains("projection_offsets");
            // after the backup: 2,000 new memories and a second version of the first 500
            publish(tenant, 3_000, 5_000, 1);
            publish(tenant, 0, 500, 2);
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(rows(pg.jdbcUrl(), tenant)).isEqualTo(5_000));
        } finally {
            processors.after();
        }

        String database = "mnemo_restore_" + UUID.randomUUID().toString().substring(0, 8);
        ChangeLogFixture.primary().useHandle(h -> h.execute("CREATE DATABASE " + database));
        String restored = pg.jdbcUrl().replaceFirst("/mnemo(\\?|$)", "/" + database + "$1");
        StringWriter out = new StringWriter();
        assertThat(ChangeLogFixture.mnemoOn(restored, out, "db", "restore", "--from", backup.toString()))
                .as(out.toString()).isZero();
        assertThat(rows(restored, tenant)).isEqualTo(3_000);
        assertThat(versionTwo(restored, tenant)).isZero();

        StringWriter again = new StringWriter();
        assertThat(ChangeLogFixture.mnemoOn(restored, again, "db", "restore", "--from", backup.toString())).isNotZero();
        assertThat(again.toString()).contains("is not empty");

        DropwizardAppExtension<ProcessorsConfiguration> onRestored = PlatformApps.processors(DEVSTACK, restored);
        onRestored.before();
        try {
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                assertThat(rows(restored, tenant)).isEqualTo(5_000);
                assertThat(versionTwo(restored, tenant)).isEqualTo(500);
            });
        } finally {
            onRestored.after();
        }
        StringWriter reconcile = new StringWriter();
        assertThat(ChangeLogFixture.mnemoOn(restored, reconcile, "reconcile", "--tenant", tenant))
                .as(reconcile.toString()).isZero();
    }

    private static long rows(String url, String tenant) {
        var pg = DEVSTACK.primary();
        return Jdbi.create(url, pg.user(), pg.password()).withHandle(h -> h.createQuery(
                "SELECT count(*) FROM memories WHERE tenant_id = :t").bind("t", tenant).mapTo(Long.class).one());
    }

    private static long versionTwo(String url, String tenant) {
        var pg = DEVSTACK.primary();
        return Jdbi.create(url, pg.user(), pg.password()).withHandle(h -> h.createQuery(
                "SELECT count(*) FROM memories WHERE tenant_id = :t AND version = 2").bind("t", tenant)
                .mapTo(Long.class).one());
    }

    /** Memories {@code from} (inclusive) to {@code to} (exclusive) of the tenant at {@code version}. */
    private static void publish(String tenant, int from, int to, int version) throws Exception {
        try (var producer = new KafkaProducer<String, SpecificRecord>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, DEVSTACK.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new ConfluentAvroSerializer(
                        new HttpSchemaRegistryClient(DEVSTACK.schemaRegistryUrl()), true))) {
            List<Future<?>> sends = new ArrayList<>();
            for (int i = from; i < to; i++) {
                String user = "u" + (i % 20);
                MemoryChanged change = MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant)
                        .setUserId(user).setMemoryId(UUID.nameUUIDFromBytes((tenant + i).getBytes(StandardCharsets.UTF_8)))
                        .setVersion(version).setKind(MemoryChangeKind.UPSERTED)
                        .setState(MemoryState.newBuilder()
                                .setOccurredAt(Instant.parse("2026-03-01T00:00:00Z").plusSeconds(3_600L * i))
                                .setRecordedAt(Instant.parse("2026-10-01T00:00:00Z"))
                                .setContent("memory " + i + " v" + version).setTags(List.of("br"))
                                .setAttributes(Map.of()).setMediaIds(List.of()).setMedia(List.of()).build())
                        .setSourcePartition(901).setSourceOffset(i * 2L + version).build();
                sends.add(producer.send(new ProducerRecord<>(Topics.MEMORY_CHANGES.name(), tenant + "/" + user, change)));
            }
            for (Future<?> send : sends) {
                send.get();
            }
        }
    }
}
