package io.mnemo.processors;

import com.codahale.metrics.health.HealthCheck;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.mnemo.kit.config.ConfigSources;
import io.mnemo.kit.db.PostgresFactory;
import io.mnemo.kit.kafka.KafkaFactory;
import io.mnemo.kit.kafka.KafkaHealthCheck;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.kit.metrics.PrometheusMetrics;
import io.mnemo.processors.db.ActivityProjectionWriter;
import io.mnemo.processors.db.MediaProjectionWriter;
import io.mnemo.processors.db.MemoriesProjectionWriter;
import io.mnemo.processors.db.MemoryPartitions;
import io.mnemo.processors.kafka.KafkaDeadLetterPublisher;
import io.mnemo.processors.s3.MediaObjects;
import io.mnemo.processors.sink.PostgresProjectionSink;
import io.mnemo.processors.topology.DeadLetters;
import io.mnemo.processors.topology.MemoryChangesTopology;
import io.mnemo.processors.topology.UnreadableEventHandler;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.serde.ConfluentAvroDeserializer;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.MnemoSerdes;
import io.mnemo.schemas.serde.SchemaRegistryClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
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
    /** Consumer group of the user_activity_daily projection sink. */
    public static final String ACTIVITY_SINK_GROUP = "mnemo-projection-activity";
    /** Consumer group of the media projection sink (S3 objects plus the media tables). */
    public static final String MEDIA_SINK_GROUP = "mnemo-projection-media";
    /**
     * Records per media batch at most: each may copy an object of up to 25 MiB inside the batch, which must end
     * well within the consumer's max.poll.interval.ms (and hold its row locks briefly).
     */
    static final int MEDIA_MAX_BATCH = 50;

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
        PrometheusMeterRegistry metrics = PrometheusMetrics.install(environment, "processors");
        KafkaFactory kafka = config.getKafka();
        Admin admin = kafka.buildAdmin(environment, "mnemo-processors-admin");
        if (kafka.isProvisionTopics()) {
            new TopicProvisioner(admin).ensure(Topics.all(), kafka.getPartitions(), kafka.getReplicationFactor(),
                    Duration.ofSeconds(30));
        }
        if (config.isMigrateOnStart()) {
            var db = config.getDatabase();
            var result = ProjectionMigrations.migrate(db.getUrl(), db.getUser(), db.getPassword());
            LOG.info("Projection schema at version {}", result.targetSchemaVersion);
        }
        Jdbi jdbi = PostgresFactory.build(environment, config.getDatabase(), "postgres-primary");
        SchemaRegistryClient registry = kafka.buildSchemaRegistryClient();

        KafkaStreams streams = new KafkaStreams(
                MemoryChangesTopology.build(MnemoSerdes.specificAvro(registry, kafka.isAutoRegisterSchemas()),
                        config.getStreams().getDedupeRetention()),
                streamsProperties(kafka, config.getStreams()));
        // A failed stream thread (e.g. the registry was unreachable) is replaced and resumes from its last
        // committed offsets; exactly_once_v2 makes the retry invisible downstream.
        streams.setUncaughtExceptionHandler(error -> {
            LOG.warn("Stream thread failed; replacing it", error);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
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

        MemoryPartitions partitions = new MemoryPartitions(jdbi, config.getSink().getHashPartitions());
        int monthsAhead = config.getSink().getMonthsAhead();
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
        // Built before the sinks are managed, so it is closed after they stopped (lifecycle stops in reverse).
        KafkaDeadLetterPublisher sinkDeadLetters = new KafkaDeadLetterPublisher(kafka.buildProducer(environment,
                "mnemo-processors-sink-dead-letters",
                new ConfluentAvroSerializer(registry, kafka.isAutoRegisterSchemas()),
                Duration.ofSeconds(30), Duration.ZERO));
        PostgresProjectionSink.PoisonRecords<SpecificRecord> refusedByPostgres = (record, reason) ->
                sinkDeadLetters.publish(record.key(), record.value(), DeadLetters.headers(record.topic(),
                        record.partition(), record.offset(), sqlFailureClass(reason), String.valueOf(
                                sqlFailure(reason).getMessage()), java.time.Instant.now()));
        PostgresProjectionSink<SpecificRecord> memoriesSink = new PostgresProjectionSink<>(
                new KafkaConsumer<>(sinkConsumerProperties(kafka, MEMORIES_SINK_GROUP, config.getSink().getMaxBatch()),
                        new StringDeserializer(), new ConfluentAvroDeserializer(registry)),
                Topics.MEMORY_CHANGES.name(), jdbi, new MemoriesProjectionWriter(partitions),
                config.getSink().getPollTimeout(), config.getSink().getMaxBackoff(), refusedByPostgres);
        environment.lifecycle().manage(memoriesSink);
        Gauge.builder("mnemo.processors.sink.written", memoriesSink, PostgresProjectionSink::writtenRecords)
                .tag("projection", MemoriesProjectionWriter.PROJECTION).register(metrics);
        Gauge.builder("mnemo.processors.sink.dead.lettered", memoriesSink, PostgresProjectionSink::deadLetteredRecords)
                .tag("projection", MemoriesProjectionWriter.PROJECTION).register(metrics);

        PostgresProjectionSink<SpecificRecord> activitySink = new PostgresProjectionSink<>(
                new KafkaConsumer<>(sinkConsumerProperties(kafka, ACTIVITY_SINK_GROUP, config.getSink().getMaxBatch()),
                        new StringDeserializer(), new ConfluentAvroDeserializer(registry)),
                Topics.USER_ACTIVITY.name(), jdbi, new ActivityProjectionWriter(),
                config.getSink().getPollTimeout(), config.getSink().getMaxBackoff(), refusedByPostgres);
        environment.lifecycle().manage(activitySink);
        Gauge.builder("mnemo.processors.sink.written", activitySink, PostgresProjectionSink::writtenRecords)
                .tag("projection", ActivityProjectionWriter.PROJECTION).register(metrics);
        Gauge.builder("mnemo.processors.sink.dead.lettered", activitySink, PostgresProjectionSink::deadLetteredRecords)
                .tag("projection", ActivityProjectionWriter.PROJECTION).register(metrics);
        environment.healthChecks().register("sink-activity", new HealthCheck() {
            @Override
            protected Result check() {
                return activitySink.isHealthy() ? Result.healthy() : Result.unhealthy("writes are failing");
            }
        });

        // Built before the sink is managed, so they are closed after it stopped (lifecycle stops in reverse).
        MediaObjects mediaObjects = new MediaObjects(config.getS3().build(environment), config.getS3().getBucket());
        PostgresProjectionSink<SpecificRecord> mediaSink = new PostgresProjectionSink<>(
                new KafkaConsumer<>(sinkConsumerProperties(kafka, MEDIA_SINK_GROUP,
                        Math.min(config.getSink().getMaxBatch(), MEDIA_MAX_BATCH)),
                        new StringDeserializer(), new ConfluentAvroDeserializer(registry)),
                Topics.MEMORY_CHANGES.name(), jdbi,
                new MediaProjectionWriter(mediaObjects, sinkDeadLetters, metrics, Clock.systemUTC()),
                config.getSink().getPollTimeout(), config.getSink().getMaxBackoff(), refusedByPostgres);
        environment.lifecycle().manage(mediaSink);
        Gauge.builder("mnemo.processors.sink.written", mediaSink, PostgresProjectionSink::writtenRecords)
                .tag("projection", MediaProjectionWriter.PROJECTION).register(metrics);
        Gauge.builder("mnemo.processors.sink.dead.lettered", mediaSink, PostgresProjectionSink::deadLetteredRecords)
                .tag("projection", MediaProjectionWriter.PROJECTION).register(metrics);
        environment.healthChecks().register("sink-media", new HealthCheck() {
            @Override
            protected Result check() {
                return mediaSink.isHealthy() ? Result.healthy() : Result.unhealthy("writes are failing");
            }
        });

        environment.healthChecks().register("kafka", new KafkaHealthCheck(admin));
        environment.healthChecks().register("streams", new HealthCheck() {
            @Override
            protected Result check() {
                KafkaStreams.State state = streams.state();
                return state.isRunningOrRebalancing() || state == KafkaStreams.State.CREATED
                        ? Result.healthy(state.name()) : Result.unhealthy(state.name());
            }
        });
        environment.healthChecks().register("sink-memories", new HealthCheck() {
            @Override
            protected Result check() {
                return memoriesSink.isHealthy() ? Result.healthy() : Result.unhealthy("writes are failing");
            }
        });
    }

    /** The SQLException behind a failure (what Postgres said), or the failure itself. */
    private static Throwable sqlFailure(Throwable failure) {
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof java.sql.SQLException) {
                return t;
            }
        }
        return failure;
    }

    private static String sqlFailureClass(Throwable failure) {
        Throwable sql = sqlFailure(failure);
        return sql.getClass().getName() + (sql instanceof java.sql.SQLException e ? " SQLSTATE " + e.getSQLState() : "");
    }

    static Properties streamsProperties(KafkaFactory kafka, StreamsSettings settings) {
        Properties props = new Properties();
        props.putAll(kafka.baseProperties(MemoryChangesTopology.APPLICATION_ID));
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, MemoryChangesTopology.APPLICATION_ID);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, settings.getStateDir());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.getThreads());
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, settings.getStandbyReplicas());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) settings.getReplicationFactor());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                UnreadableEventHandler.class.getName());
        return props;
    }

    static Map<String, Object> sinkConsumerProperties(KafkaFactory kafka, String group, int maxBatch) {
        Map<String, Object> props = kafka.baseProperties(group);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        // Only what Streams committed: aborted transactions must never reach a projection.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxBatch);
        return props;
    }
}
