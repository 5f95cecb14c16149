package io.mnemo.query;

import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mnemo.kit.config.ConfigSources;
import io.mnemo.kit.db.PostgresFactory;
import io.mnemo.kit.http.ApiJson;
import io.mnemo.kit.http.RequestIds;
import io.mnemo.kit.metrics.HttpMetrics;
import io.mnemo.kit.metrics.PrometheusMetrics;
import io.mnemo.kit.problems.ProblemJson;
import io.mnemo.query.core.CursorCodec;
import io.mnemo.query.core.MemoryQueries;
import io.mnemo.query.db.JdbiMemoryReader;
import io.mnemo.query.db.ReadRouter;
import io.mnemo.query.resources.ActivityResource;
import io.mnemo.query.resources.ExportResource;
import io.mnemo.query.resources.MediaQueryResource;
import io.mnemo.query.s3.S3MediaLinks;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;
import io.mnemo.query.resources.MemoryQueryResource;
import io.mnemo.query.resources.QueryProblems;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** The analysts' query service: reads the projections from streaming replicas. */
public class QueryApplication extends Application<QueryConfiguration> {
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
        PrometheusMeterRegistry metrics = PrometheusMetrics.install(environment, "query");
        List<Jdbi> replicas = new ArrayList<>();
        for (int i = 0; i < config.getReplicas().size(); i++) {
            replicas.add(PostgresFactory.build(environment, config.getReplicas().get(i), "postgres-replica-" + (i + 1)));
        }
        Jdbi primary = PostgresFactory.build(environment, config.getPrimary(), "postgres-primary");
        ReadRouter router = new ReadRouter(replicas, primary, config.getReplicaMaxLag(), config.getPositionWait(),
                config.getEventPartitions(), metrics);
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
        environment.healthChecks().register("replicas", new com.codahale.metrics.health.HealthCheck() {
            @Override
            protected Result check() {
                // reads still succeed from the primary; this says the replicas need attention
                return router.anyReplicaHealthy() ? Result.healthy()
                        : Result.unhealthy("no replica within the lag bound: reads go to the primary");
            }
        });
        MemoryQueries queries = new MemoryQueries(new JdbiMemoryReader(router),
                new CursorCodec(config.getCursorSecret().getBytes(StandardCharsets.UTF_8)),
                new S3MediaLinks(config.getS3().buildPresigner(environment), config.getS3().getBucket(),
                        config.getMediaLinkTtl(), Clock.systemUTC()),
                Clock.systemUTC());

        ApiJson.install(environment);
        ProblemJson.install(config, environment);
        environment.jersey().register(new RequestIds());
        // Keys are read from the primary: a key created a moment ago may not have reached a replica yet.
        config.getAuth().build(environment, primary, metrics, "query");
        // latency by route, and mnemo.query.rejected{reason,tenant} for every refusal (auth ones included)
        environment.jersey().register(new HttpMetrics(metrics, "query"));
        environment.jersey().register(new QueryProblems());
        environment.jersey().register(new MemoryQueryResource(queries));
        environment.jersey().register(new MediaQueryResource(queries));
        environment.jersey().register(new ActivityResource(queries));
        environment.jersey().register(new ExportResource(queries, environment.getObjectMapper()));
    }
}
