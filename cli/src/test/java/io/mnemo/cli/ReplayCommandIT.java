package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.devstack.DevstackExtension;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.MemoryPartitions;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * Corrupt rows by hand → {@code mnemo reconcile} finds them → {@code mnemo replay} repairs them →
 * {@code reconcile} is clean; a dry run changes nothing; a second replay while one runs is refused.
 */
@ExtendWith(DevstackExtension.class)
class ReplayCommandIT {

    private static int mnemo(StringWriter out, String... args) {
        var devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--jdbc-url", pg.jdbcUrl(), "--user", pg.user(),
                "--password=" + (pg.password() == null ? "" : pg.password()), "--bootstrap", devstack.kafkaBootstrap(),
                "--schema-registry", devstack.schemaRegistryUrl()));
        CommandLine cli = new CommandLine(new MnemoCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        return cli.execute(all.toArray(String[]::new));
    }

    @Test
    void aReplayRepairsRowsCorruptedByHandAndAConcurrentOneIsRefused() throws Exception {
        var devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()))) {
            new TopicProvisioner(admin).ensure(Topics.all(), 12, (short) 1, Duration.ofSeconds(60));
        }
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
        try (var producer = new KafkaProducer<String, SpecificRecord>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ConfluentAvroSerializer(
                        new HttpSchemaRegistryClient(devstack.schemaRegistryUrl()), true))) {
            for (MemoryChanged change : changes) {
                producer.send(new ProducerRecord<>(Topics.MEMORY_CHANGES.name(), tenant + "/" + change.getUserId(),
                        change)).get();
            }
        }
        Jdbi jdbi = Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password());
        var writer = new MemoriesProjectionWriter(new MemoryPartitions(jdbi, 8));
        List<ConsumerRecord<String, SpecificRecord>> records = new ArrayList<>();
        for (MemoryChanged change : changes) {
            records.add(new ConsumerRecord<>(Topics.MEMORY_CHANGES.name(), 0, change.getSourceOffset(),
                    tenant + "/" + change.getUserId(), change));
        }
        writer.prepare(records);
        jdbi.useTransaction(h -> writer.write(h, records));
        StringWriter clean = new StringWriter();
        assertThat(mnemo(clean, "reconcile", "--tenant", tenant)).as(clean.toString()).isZero();

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
        assertThat(mnemo(dirty, "reconcile", "--tenant", tenant)).isEqualTo(ReconcileCommand.DIFFERENCES);
        assertThat(dirty.toString()).contains("STALE").contains("MISSING").contains("DOUBLED");

        StringWriter dry = new StringWriter();
        assertThat(mnemo(dry, "replay", "--projection", "memories", "--from", before.toString(), "--dry-run"))
                .as(dry.toString()).isZero();
        assertThat(dry.toString()).contains("Would re-apply 12 record(s)").contains("Rows that would change: 3");
        assertThat(mnemo(new StringWriter(), "reconcile", "--tenant", tenant)).isEqualTo(ReconcileCommand.DIFFERENCES);

        try (Handle holder = jdbi.open()) {
            holder.execute("SELECT pg_advisory_lock(hashtext('mnemo-replay:memories'))");
            StringWriter refused = new StringWriter();
            assertThat(mnemo(refused, "replay", "--projection", "memories", "--from", before.toString()))
                    .isEqualTo(ReplayCommand.REFUSED);
            assertThat(refused.toString()).contains("Another replay");
        }

        StringWriter replay = new StringWriter();
        assertThat(mnemo(replay, "replay", "--projection", "memories", "--from", before.toString()))
                .as(replay.toString()).isZero();
        assertThat(replay.toString()).contains("Re-applied");
        StringWriter repaired = new StringWriter();
        assertThat(mnemo(repaired, "reconcile", "--tenant", tenant)).as(repaired.toString()).isZero();
        // and again: replaying is idempotent
        assertThat(mnemo(new StringWriter(), "replay", "--projection", "memories", "--from", before.toString()))
                .isZero();
        assertThat(mnemo(new StringWriter(), "reconcile", "--tenant", tenant)).isZero();
    }
}
