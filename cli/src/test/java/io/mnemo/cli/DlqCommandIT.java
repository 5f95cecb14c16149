package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.processors.ProcessorsConfiguration;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.events.MediaStaged;
import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.events.MemoryRevised;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code mnemo dlq} with the processors running: a capture whose media was never staged is dead-lettered and
 * blocks its memory (a later revision is parked behind it); the producer uploads the media; {@code dlq retry}
 * applies the capture and then the parked revision, in order.
 */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
class DlqCommandIT {
    static final Devstack DEVSTACK = DevstackExtension.devstack();
    static final String MIGRATED = PlatformApps.apiKey(DEVSTACK);
    static final DropwizardAppExtension<ProcessorsConfiguration> PROCESSORS = PlatformApps.processors(DEVSTACK);

    private static int mnemo(StringWriter out, String... args) {
        CommandLine cli = new CommandLine(new MnemoCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap", DEVSTACK.kafkaBootstrap(), "--schema-registry", DEVSTACK.schemaRegistryUrl()));
        return cli.execute(all.toArray(String[]::new));
    }

    private static String list(String user) {
        StringWriter out = new StringWriter();
        assertThat(mnemo(out, "dlq", "list", "--user", user)).isZero();
        return out.toString();
    }

    private static Map<String, Object> row(String tenant, UUID memoryId) {
        var pg = DEVSTACK.primary();
        return Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()).withHandle(h -> h.createQuery(
                        "SELECT content, version FROM memories WHERE tenant_id = :t AND memory_id = :m")
                .bind("t", tenant).bind("m", memoryId).mapToMap().findOne().orElse(null));
    }

    @Test
    void retryingABlockingDeadLetterAfterFixingItsCauseAppliesItThenTheParkedEventsInOrder() throws Exception {
        String tenant = "dlq-" + UUID.randomUUID().toString().substring(0, 8);
        String key = Topics.userKey(tenant, "u");
        UUID memoryId = UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try (var producer = new KafkaProducer<String, SpecificRecord>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, DEVSTACK.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ConfluentAvroSerializer(
                        new HttpSchemaRegistryClient(DEVSTACK.schemaRegistryUrl()), true))) {
            producer.send(new ProducerRecord<>(Topics.MEMORY_EVENTS.name(), key, MemoryCaptured.newBuilder()
                    .setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId("u").setRecordedAt(now)
                    .setMemoryId(memoryId).setOccurredAt(Instant.parse("2026-10-01T08:00:00Z"))
                    .setContent("a photo").setTags(List.of()).setAttributes(Map.of()).setMediaIds(List.of("late"))
                    .build())).get();
            producer.send(new ProducerRecord<>(Topics.MEMORY_EVENTS.name(), key, MemoryRevised.newBuilder()
                    .setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId("u").setRecordedAt(now)
                    .setMemoryId(memoryId).setContent("a photo, captioned").build())).get();

            await().atMost(Duration.ofSeconds(60)).until(() -> list(key).contains("2 dead letter(s) waiting"));
            String waiting = list(key);
            assertThat(waiting).contains("blocking").contains("parked").contains("never staged");
            assertThat(row(tenant, memoryId)).isNull();

            // the cause is fixed: the media is uploaded (staged object + its event)
            byte[] bytes = new byte[1_000];
            new Random(5).nextBytes(bytes);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            String stagingKey = "staging/" + tenant + "/u/late/00000000000000a1";
            var s3 = DEVSTACK.s3();
            try (S3Client client = S3Client.builder().endpointOverride(URI.create(s3.endpoint()))
                    .region(Region.of(s3.region())).forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(),
                            s3.secretKey()))).build()) {
                client.putObject(b -> b.bucket(s3.bucket()).key(stagingKey), RequestBody.fromBytes(bytes));
            }
            producer.send(new ProducerRecord<>(Topics.MEMORY_EVENTS.name(), key, MediaStaged.newBuilder()
                    .setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId("u").setRecordedAt(now)
                    .setMediaId("late").setSha256(sha).setSize(bytes.length).setContentType("image/png")
                    .setBucket(s3.bucket()).setStagingKey(stagingKey).build())).get();
        }

        String blockingId = list(key).lines().filter(line -> line.contains("blocking")).findFirst().orElseThrow()
                .split("\\s+")[0];
        StringWriter retry = new StringWriter();
        assertThat(mnemo(retry, "dlq", "retry", "--yes", "--operator", "it", blockingId)).as(retry.toString())
                .isZero();
        assertThat(retry.toString()).contains("1 parked event(s) are released");

        await().atMost(Duration.ofSeconds(60)).until(() -> row(tenant, memoryId) != null
                && ((Number) row(tenant, memoryId).get("version")).longValue() == 2);
        assertThat(row(tenant, memoryId)).containsEntry("content", "a photo, captioned");
        await().atMost(Duration.ofSeconds(30)).until(() -> list(key).contains("0 dead letter(s) waiting"));

        StringWriter again = new StringWriter();
        assertThat(mnemo(again, "dlq", "retry", "--yes", blockingId)).isZero();
        assertThat(again.toString()).contains("Nothing to retry");
    }
}
