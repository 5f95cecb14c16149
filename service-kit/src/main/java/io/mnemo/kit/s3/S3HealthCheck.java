package io.mnemo.kit.s3;

import com.codahale.metrics.health.HealthCheck;
import java.time.Duration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/** Healthy when the bucket answers a HEAD within a short timeout (reachable, exists, credentials accepted). */
public final class S3HealthCheck extends HealthCheck {
    private final S3Client client;
    private final String bucket;
    private final Duration timeout;

    public S3HealthCheck(S3Client client, String bucket, Duration timeout) {
        this.client = client;
        this.bucket = bucket;
        this.timeout = timeout;
    }

    @Override
    protected Result check() {
        try {
            // bounded including the SDK's retries: a health check must answer quickly
            client.headBucket(request -> request.bucket(bucket).overrideConfiguration(o -> o.apiCallTimeout(timeout)));
            return Result.healthy("bucket " + bucket);
        } catch (SdkException e) {
            return Result.unhealthy("bucket " + bucket + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
