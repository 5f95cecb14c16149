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
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** {@code mnemo reconcile} on the devstack: clean exits 0, a corrupted or missing row exits 1 and is named. */
@ExtendWith(DevstackExtension.class)
class ReconcileCommandIT {

    private static String[] args(String tenant, String... extra) {
        var devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        List<String> all = new ArrayList<>(List.of("reconcile", "--tenant", tenant,
                "--jdbc-url", pg.jdbcUrl(), "--user", pg.user(), "--password=" + (pg.password() == null ? ""
                        : pg.password()), "--bootstrap", devstack.kafkaBootstrap(),
                "--schema-registry", devstack.schemaRegistryUrl()));
        all.addAll(List.of(extra));
        return all.toArray(String[]::new);
    }

    private static int mnemo(StringWriter out, String... args) {
        CommandLine cli = new CommandLine(new MnemoCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        return cli.execute(args);
    }

    @Test
    void reportsAProjectionThatMatchesTheLogAsCleanAndNamesEveryDifferenceOtherwise() throws Exception {
        var devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()))) {
            // as the platform creates them (12 partitions), whichever test of this JVM comes first
            new TopicProvisioner(admin).ensure(Topics.all(), 12, (short) 1, Duration.ofSeconds(60));
        }
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
        assertThat(mnemo(clean, args(tenant))).as(clean.toString()).isZero();
        assertThat(clean.toString()).contains("5 memories in the log").contains("Clean");

        jdbi.useHandle(h -> {
            h.execute("UPDATE memories SET content = 'edited by hand' WHERE tenant_id = ? AND user_id = 'u1'", tenant);
            h.execute("DELETE FROM memories WHERE tenant_id = ? AND user_id = 'u2'", tenant);
        });
        StringWriter dirty = new StringWriter();
        assertThat(mnemo(dirty, args(tenant))).isEqualTo(ReconcileCommand.DIFFERENCES);
        assertThat(dirty.toString()).contains("STALE " + tenant + "/u1/").contains("MISSING " + tenant + "/u2/")
                .contains("2 difference(s)");
        StringWriter json = new StringWriter();
        assertThat(mnemo(json, args(tenant, "--json"))).isEqualTo(ReconcileCommand.DIFFERENCES);
        assertThat(json.toString()).contains("\"clean\" : false").contains("\"kind\" : \"MISSING\"");
    }
}
