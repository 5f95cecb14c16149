package io.mnemo.ingest;

import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.mnemo.ingest.core.MemoryIngest;
import io.mnemo.ingest.core.TenantId;
import io.mnemo.ingest.kafka.KafkaEventPublisher;
import io.mnemo.ingest.resources.IngestProblems;
import io.mnemo.ingest.resources.MemoriesResource;
import io.mnemo.kit.config.ConfigSources;
import io.mnemo.kit.http.RequestIds;
import io.mnemo.kit.http.ApiJson;
import io.mnemo.kit.kafka.KafkaFactory;
import io.mnemo.kit.kafka.KafkaHealthCheck;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.kit.metrics.PrometheusMetrics;
import io.mnemo.kit.problems.ProblemJson;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;

/** The producers' ingest API: validated memories become Avro events acknowledged by Kafka before any 2xx. */
public class IngestApplication extends Application<IngestConfiguration> {
    public static void main(String[] args) throws Exception {
        new IngestApplication().run(args);
    }

    @Override
    public String getName() {
        return "mnemo-ingest";
    }

    @Override
    public void initialize(Bootstrap<IngestConfiguration> bootstrap) {
        ConfigSources.install(bootstrap);
    }

    @Override
    public void run(IngestConfiguration config, Environment environment) {
        PrometheusMeterRegistry metrics = PrometheusMetrics.install(environment, "ingest");
        KafkaFactory kafka = config.getKafka();
        Admin admin = kafka.buildAdmin(environment, "mnemo-ingest-admin");
        if (kafka.isProvisionTopics()) {
            new TopicProvisioner(admin).ensure(Topics.all(), kafka.getPartitions(), kafka.getReplicationFactor(),
                    Duration.ofSeconds(30));
        }
        Producer<String, SpecificRecord> producer = kafka.buildProducer(environment, "mnemo-ingest",
                new ConfluentAvroSerializer(kafka.buildSchemaRegistryClient(), kafka.isAutoRegisterSchemas()),
                config.getPublishTimeout(), config.getProducerLinger());
        new KafkaClientMetrics(producer).bindTo(metrics);
        // The producer settles every send within publishTimeout; the extra second only absorbs scheduling.
        MemoryIngest ingest = new MemoryIngest(new KafkaEventPublisher(producer), Clock.systemUTC(),
                config.getPublishTimeout().plusSeconds(1), config.getRetryAfter());

        ApiJson.install(environment);
        ProblemJson.install(config, environment);
        environment.jersey().register(new RequestIds());
        environment.jersey().register(new IngestProblems());
        environment.jersey().register(new MemoriesResource(ingest, new TenantId(config.getTenant()), metrics));
        environment.healthChecks().register("kafka", new KafkaHealthCheck(admin));
    }
}
