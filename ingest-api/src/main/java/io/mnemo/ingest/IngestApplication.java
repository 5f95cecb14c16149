package io.mnemo.ingest;

import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.mnemo.ingest.core.CircuitBreakingPublisher;
import io.mnemo.ingest.core.EventPublisher;
import io.mnemo.ingest.core.MediaIngest;
import io.mnemo.ingest.core.MediaReferences;
import io.mnemo.ingest.core.MemoryIngest;
import io.mnemo.ingest.kafka.KafkaEventPublisher;
import io.mnemo.ingest.resources.BatchResource;
import io.mnemo.ingest.resources.IngestMetrics;
import io.mnemo.ingest.resources.IngestApiDocs;
import io.mnemo.ingest.resources.IngestProblems;
import io.mnemo.ingest.resources.MediaProblems;
import io.mnemo.ingest.resources.MediaResource;
import io.mnemo.ingest.s3.S3MediaStore;
import io.mnemo.ingest.resources.MemoriesResource;
import io.mnemo.ingest.resources.UsersResource;
import io.mnemo.kit.config.ConfigSources;
import io.mnemo.kit.config.DevSecrets;
import io.mnemo.kit.crypto.EncryptionFactory;
import io.mnemo.kit.crypto.UserKeyStore;
import io.mnemo.kit.crypto.UserKeyring;
import io.mnemo.ingest.db.PostgresUserKeys;
import org.jdbi.v3.core.Jdbi;
import io.mnemo.kit.db.PostgresFactory;
import io.mnemo.kit.http.JsonBodyLimit;
import io.mnemo.kit.http.OpenApiDocs;
import io.mnemo.kit.http.RequestIds;
import io.mnemo.kit.http.UnreadBodies;
import io.mnemo.kit.tracing.ServerSpans;
import io.mnemo.kit.http.ApiJson;
import io.mnemo.kit.kafka.KafkaFactory;
import io.mnemo.kit.kafka.KafkaHealthCheck;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.kit.metrics.HttpMetrics;
import io.mnemo.kit.metrics.PrometheusMetrics;
import io.mnemo.kit.problems.ProblemJson;
import io.mnemo.kit.s3.S3Factory;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;

/** The producers' ingest API: validated memories become Avro events acknowledged by Kafka before any 2xx. */
public class IngestApplication extends Application<IngestConfiguration> {
    /** Threads writing asynchronous answers: each answer is a few µs of serialization and a socket write. */
    static final int RESPONDER_THREADS = 2;

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
        DevSecrets.refuseOutsideDev(config.getProfile(), List.of(
                new DevSecrets.Setting("database.password", config.getDatabase().getPassword(), null),
                new DevSecrets.Setting("encryption.masterKey", config.getEncryption().getMasterKey(),
                        EncryptionFactory.DEV_MASTER_KEY)));
        // Keys are cached (ApiKeyCache, UserKeyring) so ingest keeps accepting while Postgres is down; hence no
        // Postgres health check of its own, only the caches'.
        Jdbi keysDb = PostgresFactory.buildNonCritical(environment, config.getDatabase(), "postgres-keys");
        PostgresUserKeys userKeys = new PostgresUserKeys(new UserKeyring(
                new UserKeyStore(keysDb, config.getEncryption().buildMasterKey()),
                config.getEncryption().getKeyRefresh().toJavaDuration(), Clock.systemUTC()), config.getRetryAfter());
        PrometheusMeterRegistry metrics = PrometheusMetrics.install(environment, "ingest");
        KafkaFactory kafka = config.getKafka();
        Admin admin = kafka.buildAdmin(environment, "mnemo-ingest-admin");
        if (kafka.isProvisionTopics()) {
            new TopicProvisioner(admin).ensure(Topics.all(), kafka.getPartitions(), kafka.getReplicationFactor(),
                    Duration.ofSeconds(30));
        }
        ConfluentAvroSerializer serializer = new ConfluentAvroSerializer(kafka.buildSchemaRegistryClient(),
                kafka.isAutoRegisterSchemas());
        preloadSchemaIds(serializer);
        Producer<String, SpecificRecord> producer = kafka.buildProducer(environment, "mnemo-ingest", serializer,
                config.getPublishTimeout(), config.getProducerLinger());
        new KafkaClientMetrics(producer).bindTo(metrics);
        CircuitBreaker breaker = CircuitBreaker.of("kafka-publish", CircuitBreakerConfig.custom()
                .slidingWindowSize(50)
                .minimumNumberOfCalls(20)
                .failureRateThreshold(50)
                .waitDurationInOpenState(config.getRetryAfter())
                .permittedNumberOfCallsInHalfOpenState(5)
                .build());
        Gauge.builder("mnemo.ingest.kafka.circuit.open", breaker,
                        b -> b.getState() == CircuitBreaker.State.OPEN ? 1 : 0)
                .description("1 while ingest fails fast because Kafka keeps failing").register(metrics);
        EventPublisher publisher = new CircuitBreakingPublisher(new KafkaEventPublisher(producer, userKeys::key), breaker);
        // The producer settles every send within publishTimeout; the extra second only absorbs scheduling.
        MediaConfiguration mediaConfig = config.getMedia();
        S3Factory s3 = mediaConfig.getS3();
        S3MediaStore mediaStore = new S3MediaStore(s3.build(environment), s3.getBucket(),
                Math.toIntExact(mediaConfig.getPartSize().toBytes()));
        MemoryIngest ingest = new MemoryIngest(publisher, Clock.systemUTC(),
                config.getPublishTimeout().plusSeconds(1), config.getRetryAfter(), config.getMaxInFlight(),
                new MediaReferences(mediaStore, config.getRetryAfter()), userKeys);
        MediaIngest mediaIngest = new MediaIngest(mediaStore, ingest::publishDurably, userKeys, Clock.systemUTC(),
                mediaConfig.getMaxSize().toBytes(), mediaConfig.getMaxConcurrentUploads(),
                mediaConfig.getMaxConcurrentUploadsPerTenant(), config.getRetryAfter());
        Gauge.builder("mnemo.ingest.media.uploads.in.progress", mediaIngest, MediaIngest::uploadsInProgress)
                .description("Media uploads being streamed to the store on this instance").register(metrics);
        IngestMetrics ingestMetrics = new IngestMetrics(metrics);

        ApiJson.install(environment);
        ProblemJson.install(config, environment);
        environment.jersey().register(new RequestIds());
        environment.jersey().register(new UnreadBodies());
        ServerSpans.register(environment, config.getTracing().build(environment, "mnemo-ingest"));
        config.getAuth().build(environment, keysDb, metrics, "ingest");
        environment.jersey().register(new HttpMetrics(metrics, "ingest"));
        environment.jersey().register(new JsonBodyLimit(config.getMaxJsonBodySize().toBytes(),
                config.getJsonBodyReadTimeout().toJavaDuration()));
        environment.jersey().register(new IngestProblems());
        environment.jersey().register(new MediaProblems());
        environment.jersey().register(new MediaResource(mediaIngest, ingestMetrics));
        // writes single captures' answers once Kafka acknowledged them (off the producer's I/O thread)
        ExecutorService responders = environment.lifecycle().executorService("ingest-responder-%d")
                .minThreads(RESPONDER_THREADS).maxThreads(RESPONDER_THREADS).build();
        environment.jersey().register(new MemoriesResource(ingest, ingestMetrics, responders,
                environment.getValidator()));
        environment.jersey().register(new BatchResource(ingest, environment.getObjectMapper(),
                environment.getValidator(), ingestMetrics));
        environment.jersey().register(new UsersResource(ingest, ingestMetrics));
        OpenApiDocs.install(environment, IngestApiDocs.API);
        environment.healthChecks().register("kafka", new KafkaHealthCheck(admin));
    }

    /**
     * The schema ids of every event ingest writes, resolved before the first request: otherwise an instance's first
     * write of each type waits for the registry, which during a broker failover waits for its own log, and the write
     * failed with a SerializationException (503) though Kafka itself would have taken it (HaChaosIT). Best effort:
     * with the registry away at start, the ids are resolved on first use as before.
     */
    private static void preloadSchemaIds(ConfluentAvroSerializer serializer) {
        try {
            serializer.preload(Topics.MEMORY_EVENTS.name(), java.util.List.of(
                    io.mnemo.schemas.events.MemoryCaptured.getClassSchema(),
                    io.mnemo.schemas.events.MemoryRevised.getClassSchema(),
                    io.mnemo.schemas.events.MemoryForgotten.getClassSchema(),
                    io.mnemo.schemas.events.UserErased.getClassSchema(),
                    io.mnemo.schemas.events.MediaStaged.getClassSchema()));
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(IngestApplication.class).warn(
                    "Schema ids not resolved at start ({}); the first write of each event type will ask the registry",
                    e.getMessage());
        }
    }
}
