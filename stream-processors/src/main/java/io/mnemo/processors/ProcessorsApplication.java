package io.mnemo.processors;

import com.codahale.metrics.health.HealthCheck;
import com.codahale.metrics.health.HealthCheck.ResultBuilder;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.mnemo.kit.config.ConfigSources;
import io.mnemo.kit.config.DevSecrets;
import io.mnemo.kit.crypto.EncryptionFactory;
import io.mnemo.kit.crypto.UserKeyStore;
import io.mnemo.kit.db.PostgresFactory;
import io.mnemo.kit.kafka.KafkaFactory;
import io.mnemo.kit.kafka.KafkaHealthCheck;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.kit.metrics.PrometheusMetrics;
import io.mnemo.kit.tracing.Tracing;
import io.mnemo.processors.db.ActivityProjectionWriter;
import io.mnemo.processors.db.MediaProjectionWriter;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.MemorySearchProjectionWriter;
import io.mnemo.processors.db.MemoryPartitions;
import io.mnemo.processors.kafka.KafkaDeadLetterPublisher;
import io.mnemo.processors.s3.MediaObjects;
import io.mnemo.processors.sink.PostgresProjectionSink;
import io.mnemo.processors.sink.ProjectionSinks;
import io.mnemo.processors.topology.DeadLetters;
import io.mnemo.processors.topology.FailedEventHandler;
import io.mnemo.processors.topology.MemoryChangesTopology;
import io.mnemo.processors.topology.StoreTuning;
import io.mnemo.processors.topology.UnreadableEventHandler;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.ServiceRoles;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.MnemoSerdes;
import io.mnemo.schemas.serde.SchemaRegistryClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hosts the Kafka Streams topologies and the Postgres projection sinks, with health checks and metrics. */
public class ProcessorsApplication extends Application<ProcessorsConfiguration> {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessorsApplication.class);
    /** Consumer group of the memories projection sink (its offsets of record live in Postgres). */
    public static final String MEMORIES_SINK_GROUP = "mnemo-projection-memories";
    /** Consumer group of the memory_search (full-text) projection sink. */
    public static final String SEARCH_SINK_GROUP = "mnemo-projection-memory-search";
    /** Consumer group of the user_activity_daily projection sink. */
    public static final String ACTIVITY_SINK_GROUP = "mnemo-projection-activity";
    /** Consumer group of the media projection sink (S3 objects plus the media tables). */
    public static final String MEDIA_SINK_GROUP = "mnemo-projection-media";
    public static void main(String[] args) throws Exception {
        new ProcessorsApplication().run(args);
    }

    @Override
    public String getName() {
        return "mnemo-processors";
    }

    @Override
    public void initialize(Bootstrap<ProcessorsConfiguration> bootstrap) {
        ConfigSources.install(bootstrap);
    }

    @Override
    public void run(ProcessorsConfiguration config, Environment environment) {
        List<DevSecrets.Setting> secrets = new java.util.ArrayList<>(List.of(
                new DevSecrets.Setting("database.password", config.getDatabase().getPassword(), null),
                new DevSecrets.Setting("encryption.masterKey", config.getEncryption().getMasterKey(),
                        EncryptionFactory.DEV_MASTER_KEY)));
        if (config.isMigrateOnStart()) {
            secrets.add(new DevSecrets.Setting("migration.password", config.getMigration().getPassword(), null));
        }
        DevSecrets.refuseOutsideDev(config.getProfile(), secrets);
        PrometheusMeterRegistry metrics = PrometheusMetrics.install(environment, "processors");
        KafkaFactory kafka = config.getKafka();
        Admin admin = kafka.buildAdmin(environment, "mnemo-processors-admin");
        environment.healthChecks().register("kafka", new KafkaHealthCheck(admin));
        if (kafka.isProvisionTopics()) {
            new TopicProvisioner(admin).ensure(Topics.all(), kafka.getPartitions(), kafka.getReplicationFactor(),
                    Duration.ofSeconds(30));
        }
        if (config.isMigrateOnStart()) {
            // as the schema's owner; the sinks' pool below logs in as the processors' own role (V15), whose
            // password is set here with the other services' (from the environment, never from SQL)
            var migration = config.getMigration();
            java.util.Map<String, String> rolePasswords = new java.util.HashMap<>(migration.getRolePasswords());
            rolePasswords.put(ServiceRoles.PROCESSOR, config.getDatabase().getPassword());
            var result = ProjectionMigrations.migrate(config.getDatabase().getUrl(), migration.getUser(),
                    migration.getPassword(), rolePasswords);
            LOG.info("Projection schema at version {}", result.targetSchemaVersion);
        }
        Jdbi jdbi = PostgresFactory.build(environment, config.getDatabase(), "postgres-primary");
        SchemaRegistryClient registry = kafka.buildSchemaRegistryClient();
        String instanceId = instanceId(config);
        LOG.info("Instance id {} (static group membership)", instanceId);
        Tracing tracing = config.getTracing().build(environment, "mnemo-processors");

        manageStreams(config, environment, metrics, registry, instanceId, tracing);
        MemoryPartitions partitions = new MemoryPartitions(jdbi, config.getSink().getHashPartitions());
        // the sinks open sealed content with the users' data keys; the stream processors never need them
        UserKeyStore userKeys = new UserKeyStore(jdbi, config.getEncryption().buildMasterKey());
        managePartitionMaintenance(environment, metrics, partitions, config.getSink().getMonthsAhead());

        SinkSettings sink = config.getSink();
        // Built before the sinks are managed, so its producer is closed after they stopped (reverse order).
        KafkaDeadLetterPublisher deadLetters = new KafkaDeadLetterPublisher(kafka.buildProducer(environment,
                "mnemo-processors-sink-dead-letters", new ConfluentAvroSerializer(registry,
                        kafka.isAutoRegisterSchemas()), Duration.ofSeconds(30), Duration.ZERO));
        ProjectionSinks sinks = new ProjectionSinks(environment, metrics, kafka, registry, jdbi, sink.getPollTimeout(),
                sink.getMaxBackoff(), sinkDeadLetters(environment, kafka, deadLetters), instanceId, tracing);
        sinks.registerWriters(MEMORIES_SINK_GROUP, Topics.MEMORY_CHANGES.name(),
                new MemoriesProjectionWriter(partitions, userKeys), sink.getMaxBatch(), sink.getMemoriesWriters());
        // Full-text search is its own projection (its own group, offsets and watermark): the words' GIN index is
        // half of a memory's write cost, and listing a user's memories does not wait for it.
        sinks.registerWriters(SEARCH_SINK_GROUP, Topics.MEMORY_CHANGES.name(), new MemorySearchProjectionWriter(userKeys),
                sink.getMaxBatch(), sink.getSearchWriters());
        // The activity totals are read from memory-changes (where the topology also puts them, in the user's
        // partition and in order with every other record of the event): that is what makes its watermark exact.
        sinks.register(ACTIVITY_SINK_GROUP, Topics.MEMORY_CHANGES.name(), new ActivityProjectionWriter(),
                sink.getMaxBatch());
        MediaObjects mediaObjects = new MediaObjects(config.getS3().build(environment), config.getS3().getBucket());
        sinks.register(MEDIA_SINK_GROUP, Topics.MEMORY_CHANGES.name(), new MediaProjectionWriter(mediaObjects,
                deadLetters, metrics, Clock.systemUTC()), sink.getMaxBatch());
    }

    /**
     * Stable identity of this instance for static group membership: configured ({@code MNEMO_INSTANCE_ID}), or this
     * host and Streams state directory (two instances on one host must have their own state directories anyway).
     */
    static String instanceId(ProcessorsConfiguration config) {
        if (config.getInstanceId() != null && !config.getInstanceId().isBlank()) {
            return config.getInstanceId();
        }
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        String stateDir = java.nio.file.Path.of(config.getStreams().getStateDir()).toAbsolutePath().normalize()
                .toString();
        return host + "-" + Integer.toHexString(stateDir.hashCode());
    }

    private void manageStreams(ProcessorsConfiguration config, Environment environment,
                               PrometheusMeterRegistry metrics, SchemaRegistryClient registry, String instanceId,
                               Tracing tracing) {
        KafkaFactory kafka = config.getKafka();
        KafkaStreams streams = new KafkaStreams(
                MemoryChangesTopology.build(MnemoSerdes.specificAvro(registry, kafka.isAutoRegisterSchemas()),
                        config.getStreams().getIdempotencyWindow(), tracing),
                streamsProperties(kafka, config.getStreams(), instanceId));
        // A failed stream thread (e.g. the registry was unreachable) is replaced and resumes from its last
        // committed offsets; exactly_once_v2 makes the retry invisible downstream. Failures that are about one
        // event are dead-lettered by FailedEventHandler and never get here; repeated failures turn health red.
        StreamThreadFailures failures = new StreamThreadFailures(Clock.systemUTC());
        streams.setUncaughtExceptionHandler(error -> {
            failures.failed(error);
            LOG.warn("Stream thread failed ({} failures so far); replacing it", failures.total(), error);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        Gauge.builder("mnemo.processors.streams.thread.failures", failures, StreamThreadFailures::total)
                .description("Stream threads that failed and were replaced since start").register(metrics);
        // Ready once the first assignment is running: until then "healthy" would promise what the instance cannot
        // do yet (the dev runner and the load balancer wait on it). Later rebalances do not make it unready.
        java.util.concurrent.atomic.AtomicBoolean ranOnce = new java.util.concurrent.atomic.AtomicBoolean();
        streams.setStateListener((next, previous) -> {
            if (next == KafkaStreams.State.RUNNING) {
                ranOnce.set(true);
            }
        });
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(metrics);
        environment.lifecycle().manage(new Managed() {
            @Override
            public void start() {
                streams.start();
            }

            @Override
            public void stop() {
                // Leave the group: otherwise the next instance waits a whole session timeout for this one.
                streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
                streamsMetrics.close();
            }
        });
        environment.healthChecks().register("streams", new HealthCheck() {
            @Override
            protected Result check() {
                KafkaStreams.State state = streams.state();
                int threads = streams.metadataForLocalThreads().size();
                // state and threads as details too: `mnemo status` reports them without parsing the message
                ResultBuilder result = Result.builder().withDetail("state", state.name()).withDetail("threads",
                        threads);
                Result byState = !ranOnce.get() ? result.unhealthy().withMessage("starting (" + state.name() + ")")
                        .build()
                        : state.isRunningOrRebalancing()
                        ? result.healthy().withMessage(state.name() + ", " + threads + " thread(s)").build()
                        : result.unhealthy().withMessage(state.name()).build();
                return failures.health(byState);
            }
        });
    }

    /** Months ahead at start and hourly; the default partition's row count as a gauge (should be 0). */
    private static void managePartitionMaintenance(Environment environment, PrometheusMeterRegistry metrics,
                                                   MemoryPartitions partitions, int monthsAhead) {
        partitions.ensureAhead(Clock.systemUTC().instant(), monthsAhead);
        // Keep creating months ahead while running for weeks; batches for older months create theirs on demand.
        ScheduledExecutorService maintenance = environment.lifecycle()
                .scheduledExecutorService("partition-maintenance").threads(1).build();
        maintenance.scheduleWithFixedDelay(() -> {
            try {
                partitions.ensureAhead(Clock.systemUTC().instant(), monthsAhead);
            } catch (RuntimeException e) {
                LOG.warn("Creating memories partitions ahead failed; retrying in an hour", e);
            }
        }, 1, 1, TimeUnit.HOURS);
        AtomicLong rowsInDefault = new AtomicLong();
        Gauge.builder("mnemo.processors.memories.default.partition.rows", rowsInDefault, AtomicLong::get)
                .description("Memories in the default partition (their month was missing); should be 0")
                .register(metrics);
        maintenance.scheduleWithFixedDelay(() -> {
            try {
                long rows = partitions.rowsInDefaultPartition();
                if (rows > 0) {
                    LOG.warn("{} memories sit in the default partition memories_default: a month partition is "
                            + "missing; creating it moves them out (see docs/runbooks)", rows);
                }
                rowsInDefault.set(rows);
            } catch (RuntimeException e) {
                LOG.warn("Counting rows in the default partition failed", e);
            }
        }, 0, 1, TimeUnit.MINUTES);
    }

    /**
     * Where the sinks send records they can never write: decoded ones through the sinks' dead-letter publisher,
     * undecodable ones as their bytes. Built before the sinks are managed, so its producer is closed after they
     * stopped (the lifecycle stops in reverse order).
     */
    private static PostgresProjectionSink.PoisonRecords<SpecificRecord> sinkDeadLetters(
            Environment environment, KafkaFactory kafka, KafkaDeadLetterPublisher decoded) {
        Producer<String, byte[]> raw = kafka.buildProducer(environment, "mnemo-processors-sink-unreadable",
                new ByteArraySerializer(), Duration.ofSeconds(30), Duration.ZERO);
        return new PostgresProjectionSink.PoisonRecords<>() {
            @Override
            public void deadLetter(ConsumerRecord<String, SpecificRecord> record, Throwable reason) {
                decoded.publish(record.key(), record.value(), DeadLetters.headers(record.topic(), record.partition(),
                        record.offset(), failureClass(reason), String.valueOf(rootFailure(reason).getMessage()),
                        Instant.now()));
            }

            @Override
            public void deadLetterUnreadable(String topic, int partition, long offset, byte[] key, byte[] value,
                                             Throwable reason) {
                var record = DeadLetters.of(topic, partition, offset, key, value, reason, Instant.now());
                KafkaDeadLetterPublisher.sendAndWait(raw, new ProducerRecord<>(record.topic(), null,
                        key == null ? null : new String(key, StandardCharsets.UTF_8), value, record.headers()));
            }
        };
    }

    /** The SQLException behind a failure (what Postgres said), or the failure itself. */
    private static Throwable rootFailure(Throwable failure) {
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof java.sql.SQLException) {
                return t;
            }
        }
        return failure;
    }

    private static String failureClass(Throwable failure) {
        Throwable sql = rootFailure(failure);
        return sql.getClass().getName() + (sql instanceof java.sql.SQLException e ? " SQLSTATE " + e.getSQLState() : "");
    }

    static Properties streamsProperties(KafkaFactory kafka, StreamsSettings settings, String instanceId) {
        Properties props = new Properties();
        props.putAll(kafka.baseProperties(MemoryChangesTopology.APPLICATION_ID));
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, MemoryChangesTopology.APPLICATION_ID);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, settings.getStateDir());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.getThreads());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.getCommitInterval().toMillis());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, settings.getCacheMaxBytes());
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, StoreTuning.class);
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, settings.getStandbyReplicas());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) settings.getReplicationFactor());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                UnreadableEventHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, FailedEventHandler.class.getName());
        // Static membership: a restarted instance gets its tasks back without waiting out its predecessor (Streams
        // suffixes the id per stream thread).
        if (instanceId != null) {
            props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId);
        }
        kafka.groupMembershipProperties().forEach((key, value) ->
                props.put(StreamsConfig.mainConsumerPrefix(key), value));
        return props;
    }
}
