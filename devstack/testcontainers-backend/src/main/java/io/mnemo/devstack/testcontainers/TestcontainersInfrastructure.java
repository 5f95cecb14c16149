package io.mnemo.devstack.testcontainers;

import io.mnemo.devstack.ContainerInfrastructure;
import io.mnemo.devstack.DevstackOptions;
import io.mnemo.devstack.PostgresEndpoint;
import io.mnemo.devstack.S3Endpoint;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The devstack's infrastructure in Docker containers: one KRaft broker (Apache Kafka's image, the project's
 * version), a PostgreSQL 18 primary with {@code options.replicas()} streaming replicas cloned by pg_basebackup, and
 * MinIO with the media bucket. Started in parallel; every container is stopped on close.
 */
public final class TestcontainersInfrastructure implements ContainerInfrastructure {
    static final String KAFKA_IMAGE = "apache/kafka:4.3.1";
    static final String POSTGRES_IMAGE = "postgres:18";
    static final String MINIO_IMAGE = "minio/minio:RELEASE.2025-04-22T22-12-26Z";
    private static final String DATABASE = "mnemo";
    private static final String USER = "postgres";
    private static final String PASSWORD = "devstack";
    private static final String REGION = "us-east-1";

    /** Lets the replicas connect for replication with a password, from the containers' network. */
    private static final String REPLICATION_ACCESS = """
            #!/bin/bash
            echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
            """;

    private final Network network = Network.newNetwork();
    private final List<GenericContainer<?>> started = new ArrayList<>();
    private KafkaContainer kafka;
    private PostgreSQLContainer primary;
    private final List<GenericContainer<?>> replicas = new ArrayList<>();
    private MinIOContainer minio;
    private String bucket;

    /** Selected by {@code mnemo.devstack.backend=testcontainers} (the Maven profile {@code testcontainers}). */
    public static final class Provider implements ContainerInfrastructure.Provider {
        @Override
        public String name() {
            return "testcontainers";
        }

        @Override
        public ContainerInfrastructure start(DevstackOptions options) {
            TestcontainersInfrastructure infrastructure = new TestcontainersInfrastructure();
            try {
                infrastructure.startAll(options);
                return infrastructure;
            } catch (RuntimeException e) {
                infrastructure.close();
                throw e;
            }
        }
    }

    private void startAll(DevstackOptions options) {
        bucket = options.mediaBucket();
        kafka = new KafkaContainer(KAFKA_IMAGE)
                // as the embedded broker: no rebalance delay, no topic created by a client's mistake
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
        primary = new PostgreSQLContainer(POSTGRES_IMAGE)
                .withDatabaseName(DATABASE).withUsername(USER).withPassword(PASSWORD)
                .withNetwork(network).withNetworkAliases("postgres-primary")
                .withCopyToContainer(Transferable.of(REPLICATION_ACCESS, 0755),
                        "/docker-entrypoint-initdb.d/10-replication.sh")
                .withCommand("postgres", "-c", "wal_level=replica", "-c", "max_wal_senders=10",
                        "-c", "max_replication_slots=10", "-c", "hot_standby=on");
        minio = new MinIOContainer(MINIO_IMAGE);
        List<GenericContainer<?>> first = List.of(kafka, primary, minio);
        first.parallelStream().forEach(GenericContainer::start);
        started.addAll(first);
        for (int i = 1; i <= options.replicas(); i++) {
            GenericContainer<?> replica = replica(i);
            replica.start();
            started.add(replica);
            replicas.add(replica);
        }
        createBucket();
    }

    private GenericContainer<?> replica(int number) {
        String script = """
                set -e
                export PGDATA=/var/lib/postgresql/replica
                mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 0700 "$PGDATA"
                until gosu postgres env PGPASSWORD=%s pg_basebackup --host=postgres-primary --username=%s \\
                    --pgdata="$PGDATA" --wal-method=stream --write-recovery-conf --create-slot --slot=replica_%d \\
                    --checkpoint=fast; do
                  rm -rf "${PGDATA:?}"/*
                  sleep 1
                done
                exec gosu postgres postgres -D "$PGDATA" -c hot_standby=on -c hot_standby_feedback=on
                """.formatted(PASSWORD, USER, number);
        return new GenericContainer<>(POSTGRES_IMAGE)
                .withNetwork(network).withNetworkAliases("postgres-replica-" + number)
                .withExposedPorts(5432)
                .withCommand("bash", "-c", script)
                .waitingFor(Wait.forLogMessage(".*ready to accept read-only connections.*", 1)
                        .withStartupTimeout(Duration.ofMinutes(2)));
    }

    private void createBucket() {
        try (S3Client s3 = S3Client.builder()
                .endpointOverride(URI.create(minio.getS3URL()))
                .region(Region.of(REGION))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(minio.getUserName(),
                        minio.getPassword())))
                .build()) {
            s3.createBucket(request -> request.bucket(bucket));
        }
    }

    @Override
    public String kafkaBootstrap() {
        String servers = kafka.getBootstrapServers();
        return servers.startsWith("PLAINTEXT://") ? servers.substring("PLAINTEXT://".length()) : servers;
    }

    @Override
    public PostgresEndpoint primary() {
        return new PostgresEndpoint(primary.getHost(), primary.getMappedPort(5432), DATABASE, USER, PASSWORD);
    }

    @Override
    public List<PostgresEndpoint> replicas() {
        return replicas.stream().map(replica -> new PostgresEndpoint(replica.getHost(), replica.getMappedPort(5432),
                DATABASE, USER, PASSWORD)).toList();
    }

    @Override
    public S3Endpoint s3() {
        return new S3Endpoint(minio.getS3URL(), bucket, REGION, minio.getUserName(), minio.getPassword());
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).stop();
        }
        started.clear();
        network.close();
    }
}
