package io.mnemo.cli;

import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.MemorySearchProjectionWriter;
import io.mnemo.processors.db.MemoryPartitions;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine;

/**
 * For operator-command ITs: memory changes published to the real change log and written to the projection as the
 * memories sink writes them, and the CLI run in-process against the devstack.
 */
final class ChangeLogFixture {
    private ChangeLogFixture() {
    }

    static Jdbi primary() {
        var pg = DevstackExtension.devstack().primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        return Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password());
    }

    /** The topics as the platform creates them (12 partitions), whichever test of this JVM comes first. */
    static void provisionTopics() {
        Devstack devstack = DevstackExtension.devstack();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()))) {
            new TopicProvisioner(admin).ensure(Topics.all(), 12, (short) 1, Duration.ofSeconds(60));
        }
    }

    /** Publishes the changes to the change log and applies them to the projection with the sink's writer. */
    static void publishAndProject(String tenant, List<MemoryChanged> changes) throws Exception {
        Devstack devstack = DevstackExtension.devstack();
        try (var producer = new KafkaProducer<String, SpecificRecord>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ConfluentAvroSerializer(
                        new HttpSchemaRegistryClient(devstack.schemaRegistryUrl()), true))) {
            // idempotent producer (the default): in order per partition with several sends in flight
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (MemoryChanged change : changes) {
                sent.add(producer.send(new ProducerRecord<>(Topics.MEMORY_CHANGES.name(),
                        tenant + "/" + change.getUserId(), change)));
            }
            for (Future<RecordMetadata> ack : sent) {
                ack.get();
            }
        }
        Jdbi jdbi = primary();
        var writer = new MemoriesProjectionWriter(new MemoryPartitions(jdbi, 8));
        List<ConsumerRecord<String, SpecificRecord>> records = new ArrayList<>();
        for (MemoryChanged change : changes) {
            records.add(new ConsumerRecord<>(Topics.MEMORY_CHANGES.name(), 0, change.getSourceOffset(),
                    tenant + "/" + change.getUserId(), change));
        }
        // in batches the size of the sink's: a statement binds at most 65,535 parameters
        for (int from = 0; from < records.size(); from += 500) {
            List<ConsumerRecord<String, SpecificRecord>> batch = records.subList(from,
                    Math.min(records.size(), from + 500));
            writer.prepare(batch);
            jdbi.useTransaction(h -> writer.write(h, batch));
            // and the full-text projection, as its own sink does
            jdbi.useTransaction(h -> new MemorySearchProjectionWriter().write(h, batch));
        }
    }

    /**
     * A new database on the devstack's primary with the projection schema migrated, for a test that must not
     * share the projection with the others; its JDBC URL. Drop it with {@link #dropDatabase}.
     */
    static String freshDatabase(String prefix) {
        String database = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
        primary().useHandle(h -> h.execute("CREATE DATABASE " + database));
        var pg = DevstackExtension.devstack().primary();
        String url = pg.jdbcUrl().replaceFirst("/mnemo(\\?|$)", "/" + database + "$1");
        ProjectionMigrations.migrate(url, pg.user(), pg.password());
        return url;
    }

    static void dropDatabase(String jdbcUrl) {
        String database = jdbcUrl.replaceFirst("^.*/([a-z0-9_]+)(\\?.*)?$", "$1");
        primary().useHandle(h -> h.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)"));
    }

    /** Runs {@code mnemo <args>} with the devstack's connection options; output and errors go to {@code out}. */
    static int mnemo(StringWriter out, String... args) {
        return mnemoOn(DevstackExtension.devstack().primary().jdbcUrl(), out, args);
    }

    /** As {@link #mnemo}, on another database of the devstack's primary. */
    static int mnemoOn(String jdbcUrl, StringWriter out, String... args) {
        CommandLine cli = new CommandLine(new MnemoCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        return cli.execute(withConnection(jdbcUrl, args));
    }

    /** The arguments followed by the devstack's connection options (Postgres on {@code jdbcUrl}). */
    static String[] withConnection(String jdbcUrl, String... args) {
        Devstack devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        List<String> all = new ArrayList<>(List.of(args));
        if (!args[0].equals("dlq")) {
            all.addAll(List.of("--jdbc-url", jdbcUrl, "--user", pg.user(),
                    "--password=" + (pg.password() == null ? "" : pg.password())));
        }
        if (!args[0].equals("db")) {
            all.addAll(List.of("--bootstrap", devstack.kafkaBootstrap(), "--schema-registry", devstack.schemaRegistryUrl()));
        }
        return all.toArray(String[]::new);
    }
}
