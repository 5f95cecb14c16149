package io.mnemo.query;

import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.DataSourceFactory;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mnemo.kit.config.ConfigSources;
import io.mnemo.kit.config.DevSecrets;
import io.mnemo.kit.db.PostgresFactory;
import io.mnemo.kit.http.ApiJson;
import io.mnemo.kit.http.OpenApiDocs;
import io.mnemo.kit.http.RequestIds;
import io.mnemo.kit.http.UnreadBodies;
import io.mnemo.kit.tracing.ServerSpans;
import io.mnemo.kit.kafka.KafkaFactory;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.kit.limits.TenantPermits;
import io.mnemo.kit.metrics.HttpMetrics;
import io.mnemo.kit.metrics.PrometheusMetrics;
import io.mnemo.kit.problems.ProblemJson;
import io.mnemo.query.core.CursorCodec;
import io.mnemo.query.core.MemoryQueries;
import io.mnemo.query.db.JdbiMemoryReader;
import io.mnemo.query.db.ReadRouter;
import io.mnemo.query.kafka.EventLogPartitions;
import io.mnemo.query.kafka.KafkaEventLogEnds;
import io.mnemo.query.resources.ActivityResource;
import io.mnemo.query.resources.ExportResource;
import io.mnemo.query.resources.MediaQueryResource;
import io.mnemo.query.resources.MemoryQueryResource;
import io.mnemo.query.resources.QueryApiDocs;
import io.mnemo.query.resources.QueryProblems;
import io.mnemo.query.s3.S3MediaLinks;
import io.mnemo.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.LoggerFactory;

/** The analysts' query service: reads the projections from streaming replicas. */
public class QueryApplication extends Application<QueryConfiguration> {
    /** The cursor secret written in query-service.yml for mnemo dev; refused outside the dev profile. */
    static final String DEV_CURSOR_SECRET = "dev-only-cursor-secret-change-me";

    /** How long start-up waits for Kafka to create or describe the event log. */
    private static final Duration EVENT_LOG_WAIT = Duration.ofSeconds(30);
    /** A read of the log's end offsets (for a position past the cached end) waits at most this for Kafka. */
    private static final Duration LOG_END_READ_TIMEOUT = Duration.ofSeconds(1);
    /** After a failed read of the end offsets, positions go unchecked this long before Kafka is asked again. */
    private static final Duration LOG_END_RETRY = Duration.ofSeconds(5);

    public static void main(String[] args) throws Exception {
        new QueryApplication().run(args);
    }

    @Override
    public String getName() {
        return "mnemo-query";
    }

    @Override
    public void initialize(Bootstrap<QueryConfiguration> bootstrap) {
        ConfigSources.install(bootstrap);
    }

    @Override
    public void run(QueryConfiguration config, Environment environment) {
        List<DevSecrets.Setting> secrets = new ArrayList<>(List.of(
                new DevSecrets.Setting("primary.password", config.getPrimary().getPassword(), null),
                new DevSecrets.Setting("cursorSecret", config.getCursorSecret(), DEV_CURSOR_SECRET)));
        for (int i = 0; i < config.getReplicas().size(); i++) {
            secrets.add(new DevSecrets.Setting("replicas[" + i + "].password",
                    config.getReplicas().get(i).getPassword(), null));
        }
        DevSecrets.refuseOutsideDev(config.getProfile(), secrets);
        PrometheusMeterRegistry metrics = PrometheusMetrics.install(environment, "query");
        // Kafka is asked at start for the event log's partition count, then only for its end offsets (the check of
        // X-Mnemo-Position), with this one admin client
        Admin admin = eventLogAdmin(config.getKafka());
        environment.lifecycle().manage(new io.dropwizard.lifecycle.Managed() {
            @Override
            public void stop() {
                admin.close(Duration.ofSeconds(5));
            }
        });
        int eventPartitions = eventPartitions(admin, config.getKafka());
        KafkaEventLogEnds logEnds = KafkaEventLogEnds.of(admin, Topics.MEMORY_EVENTS.name(), eventPartitions,
                LOG_END_READ_TIMEOUT, LOG_END_RETRY);
        // No health check per database: the load balancer takes an instance out when its /healthcheck fails, and one
        // database down (a replica killed, the primary during a failover) does not stop reads; "read-sources" says
        // whether any of them can answer.
        List<Jdbi> replicas = new ArrayList<>();
        List<DataSourceFactory> replicaPools = config.replicaDataSources(environment.getObjectMapper());
        for (int i = 0; i < replicaPools.size(); i++) {
            replicas.add(PostgresFactory.buildNonCritical(environment, replicaPools.get(i),
                    "postgres-replica-" + (i + 1)));
        }
        Jdbi primary = PostgresFactory.buildNonCritical(environment, config.getPrimary(), "postgres-primary");
        ReadRouter router = new ReadRouter(replicas, primary, config.getReplicaMaxLag(), config.getPositionWait(),
                eventPartitions, metrics);
        router.checkReplicas();
        ScheduledExecutorService monitor = environment.lifecycle().scheduledExecutorService("replica-monitor")
                .threads(1).build();
        long every = config.getReplicaCheckInterval().toMillis();
        monitor.scheduleWithFixedDelay(() -> {
            try {
                router.checkReplicas();
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(QueryApplication.class).warn("Replica check failed", e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
        PostgresFactory.JdbiHealthCheck primaryCheck = new PostgresFactory.JdbiHealthCheck(primary,
                java.time.Duration.ofSeconds(2));
        environment.healthChecks().register("read-sources", new com.codahale.metrics.health.HealthCheck() {
            @Override
            protected Result check() throws Exception {
                // healthy while reads can be answered: a replica in rotation, else the primary
                if (router.anyReplicaHealthy()) {
                    return Result.healthy();
                }
                Result onPrimary = primaryCheck.execute();
                return onPrimary.isHealthy() ? Result.healthy("no replica within the lag bound: reads go to the primary")
                        : Result.unhealthy("no replica within the lag bound and the primary does not answer: "
                                + onPrimary.getMessage());
            }
        });
        MemoryQueries queries = new MemoryQueries(new JdbiMemoryReader(router),
                new CursorCodec(config.getCursorSecret().getBytes(StandardCharsets.UTF_8)),
                new S3MediaLinks(config.getS3().buildPresigner(environment), config.getS3().getBucket(),
                        config.getMediaLinkTtl(), Clock.systemUTC()),
                Clock.systemUTC(), logEnds, new TenantPermits(config.getMaxConcurrentExportsPerTenant()));

        ApiJson.install(environment);
        ProblemJson.install(config, environment);
        environment.jersey().register(new RequestIds());
        environment.jersey().register(new UnreadBodies());
        ServerSpans.register(environment, config.getTracing().build(environment, "mnemo-query"));
        // Keys are read from the primary: a key created a moment ago may not have reached a replica yet.
        config.getAuth().build(environment, primary, metrics, "query");
        // latency by route, and mnemo.query.rejected{reason,tenant} for every refusal (auth ones included)
        environment.jersey().register(new HttpMetrics(metrics, "query"));
        environment.jersey().register(new QueryProblems());
        environment.jersey().register(new MemoryQueryResource(queries, environment.getObjectMapper()));
        environment.jersey().register(new MediaQueryResource(queries));
        environment.jersey().register(new ActivityResource(queries));
        environment.jersey().register(new ExportResource(queries, environment.getObjectMapper()));
        OpenApiDocs.install(environment, QueryApiDocs.API);
    }

    private static Admin eventLogAdmin(KafkaFactory kafka) {
        Map<String, Object> properties = kafka.baseProperties("mnemo-query-admin");
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        return Admin.create(properties);
    }

    /** The event log's partition count, from the topic (created first in dev and tests, like the other services do). */
    private static int eventPartitions(Admin admin, KafkaFactory kafka) {
        if (kafka.isProvisionTopics()) {
            new TopicProvisioner(admin).ensure(Topics.all(), kafka.getPartitions(), kafka.getReplicationFactor(),
                    EVENT_LOG_WAIT);
        }
        int partitions = EventLogPartitions.read(admin, Topics.MEMORY_EVENTS.name(), EVENT_LOG_WAIT);
        if (kafka.isProvisionTopics() && partitions != kafka.getPartitions()) {
            LoggerFactory.getLogger(QueryApplication.class).warn("{} has {} partitions, not kafka.partitions "
                    + "({}): that setting only applies to topics created here; the topic's count is used",
                    Topics.MEMORY_EVENTS.name(), partitions, kafka.getPartitions());
        }
        return partitions;
    }
}
