package io.mnemo.devstack;

import java.util.List;

/**
 * Kafka, PostgreSQL (a primary and its streaming replicas) and an S3-compatible store run by something other than
 * the devstack's own processes — Testcontainers, under the Maven profile {@code testcontainers} — for
 * {@link Devstack} to hand to the integration tests instead. Only endpoints: tests that kill, restart or promote
 * servers need the process-based stack and are excluded under that profile.
 */
public interface ContainerInfrastructure extends AutoCloseable {
    /** Bootstrap servers reachable from this JVM. */
    String kafkaBootstrap();

    PostgresEndpoint primary();

    /** Streaming replicas of {@link #primary()}, in recovery. */
    List<PostgresEndpoint> replicas();

    /** The store, with the media bucket created. */
    S3Endpoint s3();

    @Override
    void close();

    /** Starts the containers; found with {@link java.util.ServiceLoader} under the name of its backend. */
    interface Provider {
        /** The value of {@code mnemo.devstack.backend} that selects this provider. */
        String name();

        ContainerInfrastructure start(DevstackOptions options) throws Exception;
    }
}
