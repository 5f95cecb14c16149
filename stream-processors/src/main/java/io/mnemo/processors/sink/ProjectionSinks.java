package io.mnemo.processors.sink;

import com.codahale.metrics.health.HealthCheck;
import io.dropwizard.core.setup.Environment;
import io.mnemo.kit.kafka.KafkaFactory;
import io.mnemo.kit.tracing.Tracing;
import io.mnemo.schemas.serde.SchemaRegistryClient;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jdbi.v3.core.Jdbi;

/**
 * Builds a projection sink with everything it comes with: its consumer (read_committed, no auto-commit, static
 * membership when an instance id is known), its lifecycle, its metrics and its health check. One call a sink.
 */
public final class ProjectionSinks {
    private final Environment environment;
    private final MeterRegistry metrics;
    private final KafkaFactory kafka;
    private final SchemaRegistryClient registry;
    private final Jdbi jdbi;
    private final Duration pollTimeout;
    private final Duration maxBackoff;
    private final PostgresProjectionSink.PoisonRecords<SpecificRecord> poison;
    private final String instanceId;
    private final Tracing tracing;

    public ProjectionSinks(Environment environment, MeterRegistry metrics, KafkaFactory kafka,
                           SchemaRegistryClient registry, Jdbi jdbi, Duration pollTimeout, Duration maxBackoff,
                           PostgresProjectionSink.PoisonRecords<SpecificRecord> poison, String instanceId,
                           Tracing tracing) {
        this.tracing = tracing;
        this.environment = environment;
        this.metrics = metrics;
        this.kafka = kafka;
        this.registry = registry;
        this.jdbi = jdbi;
        this.pollTimeout = pollTimeout;
        this.maxBackoff = maxBackoff;
        this.poison = poison;
        this.instanceId = instanceId;
    }

    /** Starts and stops with the application; health check {@code sink-<projection>}. */
    public PostgresProjectionSink<SpecificRecord> register(String group, String topic,
                                                           ProjectionWriter<SpecificRecord> writer, int maxBatch) {
        return registerOne(group, topic, writer, maxBatch, 0);
    }

    /**
     * {@code writers} consumers of the same group in this instance, each writing the partitions it is assigned on
     * its own thread and connection (the writer must be thread-safe); health checks {@code sink-<projection>},
     * {@code sink-<projection>-2}, ...
     */
    public void registerWriters(String group, String topic, ProjectionWriter<SpecificRecord> writer, int maxBatch,
                                int writers) {
        for (int i = 0; i < writers; i++) {
            registerOne(group, topic, writer, maxBatch, i);
        }
    }

    private PostgresProjectionSink<SpecificRecord> registerOne(String group, String topic,
                                                            ProjectionWriter<SpecificRecord> writer, int maxBatch,
                                                            int index) {
        String member = instanceId == null ? null : index == 0 ? instanceId : instanceId + "-w" + (index + 1);
        PostgresProjectionSink<SpecificRecord> sink = new PostgresProjectionSink<>(
                new KafkaConsumer<>(consumerProperties(kafka, group, maxBatch, member), new StringDeserializer(),
                        new ProjectionRecordDeserializer(registry, writer)),
                topic, jdbi, writer, pollTimeout, maxBackoff, poison, index == 0 ? "" : "-" + (index + 1),
                tracing);
        environment.lifecycle().manage(sink);
        String projection = writer.projection();
        registerGauges(metrics, sink, projection, index + 1);
        environment.healthChecks().register(healthCheckName(projection) + (index == 0 ? "" : "-" + (index + 1)),
                new HealthCheck() {
                    @Override
                    protected Result check() {
                        return sink.isHealthy() ? Result.healthy() : Result.unhealthy("writes are failing");
                    }
                });
        return sink;
    }

    /**
     * The gauges of one sink, tagged {@code projection} and {@code writer} (1, 2, ...): records written and
     * dead-lettered by this instance, and its lag ({@code lag.records} still to apply, 0 at rest; {@code lag.seconds},
     * the age of the oldest of them, 0 when none is pending) and the time its batches take ({@code batch}).
     */
    static void registerGauges(MeterRegistry metrics, PostgresProjectionSink<?> sink, String projection, int writer) {
        String writerTag = Integer.toString(writer);
        Gauge.builder("mnemo.processors.sink.written", sink, PostgresProjectionSink::writtenRecords)
                .tag("projection", projection).tag("writer", writerTag).register(metrics);
        Gauge.builder("mnemo.processors.sink.dead.lettered", sink, PostgresProjectionSink::deadLetteredRecords)
                .tag("projection", projection).tag("writer", writerTag).register(metrics);
        FunctionTimer.builder("mnemo.processors.sink.batch", sink, PostgresProjectionSink::writtenBatches,
                        PostgresProjectionSink::batchNanos, TimeUnit.NANOSECONDS)
                .description("Batches written (one transaction each) and the time they took")
                .tag("projection", projection).tag("writer", writerTag).register(metrics);
        Gauge.builder("mnemo.processors.sink.lag.records", sink, PostgresProjectionSink::lagRecords)
                .description("Records this sink has still to apply (transaction markers not counted)")
                .tag("projection", projection).tag("writer", writerTag).register(metrics);
        Gauge.builder("mnemo.processors.sink.lag.seconds", sink, PostgresProjectionSink::lagSeconds)
                .description("Age of the oldest record this sink has still to apply, 0 when none is pending")
                .tag("projection", projection).tag("writer", writerTag).register(metrics);
    }

    /** {@code sink-memories}, {@code sink-media}; the activity projection keeps its short name. */
    static String healthCheckName(String projection) {
        return "sink-" + (projection.equals("user_activity_daily") ? "activity" : projection);
    }

    /**
     * Static membership ({@code group.instance.id}) lets a restarted instance take its partitions back at once
     * instead of waiting out its dead predecessor's session; ids are per group and per instance.
     */
    static Map<String, Object> consumerProperties(KafkaFactory kafka, String group, int maxBatch, String instanceId) {
        Map<String, Object> props = kafka.baseProperties(group);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.putAll(kafka.groupMembershipProperties());
        // Only what Streams committed: aborted transactions must never reach a projection.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxBatch);
        if (instanceId != null) {
            props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId + "-" + group);
        }
        return props;
    }
}
