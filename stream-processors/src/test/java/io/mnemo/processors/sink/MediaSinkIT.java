package io.mnemo.processors.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.devstack.S3Endpoint;
import io.mnemo.processors.db.MediaProjectionWriter;
import io.mnemo.processors.kafka.KafkaDeadLetterPublisher;
import io.mnemo.processors.s3.MediaObjects;
import io.mnemo.processors.s3.MediaUnusable;
import io.mnemo.processors.topology.DeadLetters;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.MediaRef;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import io.mnemo.schemas.events.UserErased;
import io.mnemo.schemas.serde.ConfluentAvroDeserializer;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The media sink on the real broker, Postgres and S3Proxy: promotion with hash check, content sharing, forget,
 * replays, dead letters, erasure, and a crash between the S3 work and the commit.
 */
@ExtendWith(DevstackExtension.class)
class MediaSinkIT {
    private static Devstack devstack;
    private static Jdbi jdbi;
    private static HttpSchemaRegistryClient registry;
    private static S3Client s3;
    private static String bucket;
    private static Producer<String, SpecificRecord> deadLetterProducer;

    @BeforeAll
    static void setUp() throws Exception {
        devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        jdbi = Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password());
        registry = new HttpSchemaRegistryClient(devstack.schemaRegistryUrl());
        S3Endpoint endpoint = devstack.s3();
        bucket = endpoint.bucket();
        s3 = S3Client.builder().endpointOverride(URI.create(endpoint.endpoint())).region(Region.of(endpoint.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(endpoint.accessKey(), endpoint.secretKey())))
                .forcePathStyle(true).build();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(Topics.DEAD_LETTERS.name(), 3, (short) 1))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        deadLetterProducer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new StringSerializer(), new ConfluentAvroSerializer(registry, true));
    }

    @AfterAll
    static void tearDown() {
        deadLetterProducer.close(Duration.ofSeconds(5));
        s3.close();
    }

    // ---------------------------------------------------------------- tests

    @Test
    void promotesTheStagedBytesToTheirContentKeyOnceWhenTheSameChangeArrivesTwice() throws Exception {
        String topic = newTopic();
        String tenant = tenant();
        byte[] bytes = randomBytes(200_000);
        MediaRef photo = stage(tenant, "alice", bytes, "image/png");
        MemoryChanged v1 = upserted(tenant, "alice", UUID.randomUUID(), 1, photo);
        var sink = sink(topic, writer());
        sink.start();
        try {
            // Two separate deliveries, so the second meets the committed rows and the existing object.
            produce(topic, v1);
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 1);
            produce(topic, v1);
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 2);

            String content = MediaObjects.contentKey(tenant, photo.getSha256());
            assertThat(bytesAt(content)).isEqualTo(bytes);
            assertThat(s3.headObject(b -> b.bucket(bucket).key(content)).contentType()).isEqualTo("image/png");
            assertThat(keysUnder("media/" + tenant + "/")).containsExactly(content);
            assertThat(mediaRows(tenant)).containsExactly(photo.getSha256());
            assertThat(references(tenant)).containsExactly("alice/" + photo.getMediaId() + "/" + photo.getSha256());
            // a later memory may reference the same upload: its staging stays
            assertThat(keysUnder(stagingPrefix(tenant, "alice", photo))).containsExactly(photo.getStagingKey());
        } finally {
            sink.stop();
        }
    }

    @Test
    void identicalBytesOfTwoUsersShareOneObjectUntilTheLastMemoryIsForgottenAndAReplayBringsNothingBack()
            throws Exception {
        String topic = newTopic();
        String tenant = tenant();
        byte[] bytes = randomBytes(50_000);
        MediaRef alices = stage(tenant, "alice", bytes, "image/jpeg");
        MediaRef bobs = stage(tenant, "bob", bytes, "image/jpeg");
        UUID aliceMemory = UUID.randomUUID();
        UUID bobMemory = UUID.randomUUID();
        MemoryChanged aliceV1 = upserted(tenant, "alice", aliceMemory, 1, alices);
        String sha = alices.getSha256();
        String content = MediaObjects.contentKey(tenant, sha);
        var sink = sink(topic, writer());
        sink.start();
        try {
            produce(topic, aliceV1, upserted(tenant, "bob", bobMemory, 1, bobs));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 2);
            assertThat(keysUnder("media/" + tenant + "/")).containsExactly(content);
            assertThat(mediaRows(tenant)).containsExactly(sha);
            assertThat(references(tenant)).containsExactlyInAnyOrder("alice/" + alices.getMediaId() + "/" + sha,
                    "bob/" + bobs.getMediaId() + "/" + sha);

            produce(topic, deleted(tenant, "alice", aliceMemory, 2));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 3);
            assertThat(bytesAt(content)).isEqualTo(bytes);
            assertThat(mediaRows(tenant)).containsExactly(sha);
            assertThat(references(tenant)).containsExactly("bob/" + bobs.getMediaId() + "/" + sha);
            assertThat(keysUnder(stagingPrefix(tenant, "alice", alices))).isEmpty();
            assertThat(keysUnder(stagingPrefix(tenant, "bob", bobs))).containsExactly(bobs.getStagingKey());

            produce(topic, deleted(tenant, "bob", bobMemory, 2));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 4);
            assertThat(keysUnder("media/" + tenant + "/")).isEmpty();
            assertThat(mediaRows(tenant)).isEmpty();
            assertThat(references(tenant)).isEmpty();
            assertThat(keysUnder(stagingPrefix(tenant, "bob", bobs))).isEmpty();

            // the older capture, replayed after the forget, must not resurrect anything (nor be dead-lettered)
            produce(topic, aliceV1);
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 5);
            assertThat(keysUnder("media/" + tenant + "/")).isEmpty();
            assertThat(mediaRows(tenant)).isEmpty();
            assertThat(references(tenant)).isEmpty();
            assertThat(deadLettersFrom(topic)).isEmpty();
        } finally {
            sink.stop();
        }
    }

    @Test
    void aRevisionThatDropsOneMediaDeletesItsObjectAndKeepsTheOther() throws Exception {
        String topic = newTopic();
        String tenant = tenant();
        MediaRef kept = stage(tenant, "carol", randomBytes(1000), "image/png");
        MediaRef dropped = stage(tenant, "carol", randomBytes(2000), "image/png");
        UUID memory = UUID.randomUUID();
        var sink = sink(topic, writer());
        sink.start();
        try {
            produce(topic, upserted(tenant, "carol", memory, 1, kept, dropped));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 1);
            assertThat(mediaRows(tenant)).containsExactlyInAnyOrder(kept.getSha256(), dropped.getSha256());

            produce(topic, upserted(tenant, "carol", memory, 2, kept));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 2);
            assertThat(keysUnder("media/" + tenant + "/"))
                    .containsExactly(MediaObjects.contentKey(tenant, kept.getSha256()));
            assertThat(mediaRows(tenant)).containsExactly(kept.getSha256());
            assertThat(keysUnder(stagingPrefix(tenant, "carol", dropped))).isEmpty();
            assertThat(keysUnder(stagingPrefix(tenant, "carol", kept))).containsExactly(kept.getStagingKey());
        } finally {
            sink.stop();
        }
    }

    @Test
    void aHashMismatchIsDeadLetteredWithItsReasonAndTheSinkMovesOn() throws Exception {
        String topic = newTopic();
        String tenant = tenant();
        MediaRef staged = stage(tenant, "dave", randomBytes(10_000), "image/png");
        String claimed = sha256(randomBytes(10_000));
        MediaRef lying = MediaRef.newBuilder().setMediaId(staged.getMediaId()).setSha256(claimed)
                .setSize(staged.getSize()).setContentType(staged.getContentType())
                .setStagingKey(staged.getStagingKey()).build();
        MediaRef good = stage(tenant, "dave", randomBytes(3000), "image/png");
        UUID badMemory = UUID.randomUUID();
        var sink = sink(topic, writer());
        sink.start();
        try {
            produce(topic, upserted(tenant, "dave", badMemory, 1, lying),
                    upserted(tenant, "dave", UUID.randomUUID(), 1, good));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 2);

            assertThat(keysUnder("media/" + tenant + "/"))
                    .containsExactly(MediaObjects.contentKey(tenant, good.getSha256()));
            assertThat(mediaRows(tenant)).containsExactly(good.getSha256());
            List<ConsumerRecord<String, byte[]>> deadLetters = deadLettersFrom(topic);
            assertThat(deadLetters).hasSize(1);
            ConsumerRecord<String, byte[]> deadLetter = deadLetters.get(0);
            assertThat(deadLetter.key()).isEqualTo(tenant + "/dave");
            assertThat(DeadLetters.header(deadLetter.headers(), DeadLetters.ERROR_CLASS))
                    .isEqualTo(MediaUnusable.class.getName());
            assertThat(DeadLetters.header(deadLetter.headers(), DeadLetters.REASON))
                    .contains(staged.getMediaId()).contains("SHA-256").contains(claimed);
            assertThat(DeadLetters.header(deadLetter.headers(), DeadLetters.SOURCE_OFFSET)).isNotNull();
            var value = new ConfluentAvroDeserializer(registry).deserialize(Topics.DEAD_LETTERS.name(),
                    deadLetter.value());
            assertThat(value).isInstanceOfSatisfying(MemoryChanged.class,
                    change -> assertThat(change.getMemoryId()).isEqualTo(badMemory));
        } finally {
            sink.stop();
        }
    }

    @Test
    void erasingAUserRemovesTheirStagingObjectsAndRowsButKeepsBytesAnotherUserReferences() throws Exception {
        String topic = newTopic();
        String tenant = tenant();
        byte[] shared = randomBytes(4000);
        MediaRef own = stage(tenant, "erin", randomBytes(5000), "image/png");
        MediaRef erinsShared = stage(tenant, "erin", shared, "image/png");
        stage(tenant, "erin", randomBytes(100), "image/png"); // uploaded, never referenced by a memory
        MediaRef franksShared = stage(tenant, "frank", shared, "image/png");
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        var sink = sink(topic, writer());
        sink.start();
        try {
            produce(topic, upserted(tenant, "erin", first, 1, own), upserted(tenant, "erin", second, 1, erinsShared),
                    upserted(tenant, "frank", UUID.randomUUID(), 1, franksShared));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 3);
            assertThat(keysUnder("staging/" + tenant + "/erin/")).hasSize(3);

            // what the topology emits for an erasure: a deletion per live memory, then the event itself
            produce(topic, deleted(tenant, "erin", first, 2), deleted(tenant, "erin", second, 2),
                    erased(tenant, "erin"));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 6);

            assertThat(keysUnder("staging/" + tenant + "/erin/")).isEmpty();
            assertThat(keysUnder("media/" + tenant + "/"))
                    .containsExactly(MediaObjects.contentKey(tenant, franksShared.getSha256()));
            assertThat(mediaRows(tenant)).containsExactly(franksShared.getSha256());
            assertThat(references(tenant)).containsExactly(
                    "frank/" + franksShared.getMediaId() + "/" + franksShared.getSha256());
            assertThat(keysUnder("staging/" + tenant + "/frank/")).containsExactly(franksShared.getStagingKey());
        } finally {
            sink.stop();
        }
    }

    @Test
    void aCrashAfterTheS3WorkButBeforeTheCommitLeavesOneObjectAndConsistentRows() throws Exception {
        String topic = newTopic();
        String tenant = tenant();
        byte[] bytes = randomBytes(30_000);
        MediaRef photo = stage(tenant, "gina", bytes, "image/png");
        UUID memory = UUID.randomUUID();
        // Fails the first attempt of every batch after writing it (objects promoted or deleted, rows written,
        // nothing committed); the sink retries the batch.
        AtomicInteger attempts = new AtomicInteger();
        ProjectionWriter<SpecificRecord> real = writer();
        ProjectionWriter<SpecificRecord> crashing = new ProjectionWriter<>() {
            @Override
            public String projection() {
                return real.projection();
            }

            @Override
            public void write(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
                real.write(transaction, batch);
                if (attempts.incrementAndGet() % 2 == 1) {
                    throw new IllegalStateException("simulated crash after the S3 work, before the commit");
                }
            }
        };
        var sink = sink(topic, crashing);
        sink.start();
        try {
            produce(topic, upserted(tenant, "gina", memory, 1, photo));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 1);
            assertThat(attempts.get()).isEqualTo(2);
            assertThat(bytesAt(MediaObjects.contentKey(tenant, photo.getSha256()))).isEqualTo(bytes);
            assertThat(mediaRows(tenant)).containsExactly(photo.getSha256());
            assertThat(references(tenant)).hasSize(1);

            produce(topic, deleted(tenant, "gina", memory, 2));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedOffsets(topic) == 2);
            assertThat(attempts.get()).isEqualTo(4);
            assertThat(keysUnder("media/" + tenant + "/")).isEmpty();
            assertThat(keysUnder("staging/" + tenant + "/gina/")).isEmpty();
            assertThat(mediaRows(tenant)).isEmpty();
            assertThat(references(tenant)).isEmpty();
            assertThat(sink.isHealthy()).isTrue();
        } finally {
            sink.stop();
        }
    }

    // ---------------------------------------------------------------- fixtures

    private static MediaProjectionWriter writer() {
        return new MediaProjectionWriter(new MediaObjects(s3, bucket), new KafkaDeadLetterPublisher(deadLetterProducer),
                new SimpleMeterRegistry(), Clock.systemUTC());
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()));
    }

    private static String newTopic() throws Exception {
        String topic = "media-sink-it-" + UUID.randomUUID();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeTopics(List.of(topic)).allTopicNames().get()
                    .get(topic).partitions().stream().allMatch(p -> p.leader() != null));
        }
        return topic;
    }

    private static String tenant() {
        return "media-it-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    private static PostgresProjectionSink<SpecificRecord> sink(String topic, ProjectionWriter<SpecificRecord> writer) {
        var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "group-" + topic,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50),
                new StringDeserializer(), new ConfluentAvroDeserializer(registry));
        return new PostgresProjectionSink<>(consumer, topic, jdbi, writer, Duration.ofMillis(100), Duration.ofSeconds(1));
    }

    /** Produces in order, one acknowledged record at a time, keyed like the real topic ({@code tenant/user}). */
    private static void produce(String topic, SpecificRecord... records) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                new StringSerializer(), new ConfluentAvroSerializer(registry, true))) {
            for (SpecificRecord record : records) {
                String key = record instanceof MemoryChanged change
                        ? Topics.userKey(change.getTenantId(), change.getUserId())
                        : Topics.userKey(((UserErased) record).getTenantId(), ((UserErased) record).getUserId());
                producer.send(new ProducerRecord<>(topic, key, record)).get();
            }
        }
    }

    /** Stages bytes as ingest does, under a fresh media id and attempt, and returns the reference to them. */
    private static MediaRef stage(String tenant, String user, byte[] bytes, String contentType) throws Exception {
        String mediaId = "med_" + UUID.randomUUID().toString().replace("-", "");
        String key = MediaObjects.stagingPrefix(tenant, user, mediaId)
                + String.format("%016x", ThreadLocalRandom.current().nextLong());
        s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType), RequestBody.fromBytes(bytes));
        return MediaRef.newBuilder().setMediaId(mediaId).setSha256(sha256(bytes)).setSize(bytes.length)
                .setContentType(contentType).setStagingKey(key).build();
    }

    private static MemoryChanged upserted(String tenant, String user, UUID memoryId, long version, MediaRef... media) {
        List<String> mediaIds = new ArrayList<>();
        for (MediaRef ref : media) {
            mediaIds.add(ref.getMediaId());
        }
        return MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId(user)
                .setMemoryId(memoryId).setVersion(version).setKind(MemoryChangeKind.UPSERTED)
                .setState(MemoryState.newBuilder().setOccurredAt(Instant.parse("2026-03-14T15:09:26Z"))
                        .setRecordedAt(Instant.parse("2026-11-01T00:00:00Z")).setContent("with media")
                        .setTags(List.of()).setAttributes(Map.of()).setMediaIds(mediaIds).setMedia(List.of(media))
                        .build())
                .setSourcePartition(0).setSourceOffset(version).build();
    }

    private static MemoryChanged deleted(String tenant, String user, UUID memoryId, long version) {
        return MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId(user)
                .setMemoryId(memoryId).setVersion(version).setKind(MemoryChangeKind.DELETED).setState(null)
                .setSourcePartition(0).setSourceOffset(version).build();
    }

    private static UserErased erased(String tenant, String user) {
        return UserErased.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId(user)
                .setRecordedAt(Instant.parse("2026-11-02T00:00:00Z")).build();
    }

    private static String stagingPrefix(String tenant, String user, MediaRef ref) {
        return MediaObjects.stagingPrefix(tenant, user, ref.getMediaId());
    }

    private static long storedOffsets(String topic) {
        return jdbi.withHandle(h -> h.createQuery("SELECT coalesce(sum(next_offset), 0) FROM projection_offsets "
                + "WHERE projection = 'media' AND topic = :topic").bind("topic", topic).mapTo(Long.class).one());
    }

    private static List<String> mediaRows(String tenant) {
        return jdbi.withHandle(h -> h.createQuery("SELECT sha256 FROM media WHERE tenant_id = :t ORDER BY sha256")
                .bind("t", tenant).mapTo(String.class).list());
    }

    /** {@code user/mediaId/sha256} per memory_media row of the tenant. */
    private static List<String> references(String tenant) {
        return jdbi.withHandle(h -> h.createQuery("SELECT user_id || '/' || media_id || '/' || sha256 FROM memory_media "
                + "WHERE tenant_id = :t ORDER BY 1").bind("t", tenant).mapTo(String.class).list());
    }

    private static List<String> keysUnder(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).sorted().toList();
    }

    private static byte[] bytesAt(String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    }

    /** Every dead letter whose source is {@code topic}, read from the start of the shared dead-letter topic. */
    private static List<ConsumerRecord<String, byte[]>> deadLettersFrom(String topic) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DEAD_LETTERS.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the dead-letter topic could not be read to its end");
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (topic.equals(DeadLetters.header(record.headers(), DeadLetters.SOURCE_TOPIC))) {
                        found.add(record);
                    }
                }
            }
            return found;
        }
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(ThreadLocalRandom.current().nextLong()).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
