package io.mnemo.kit.s3;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * S3 connection settings of a service and the factory of its clients: AWS itself when {@link #endpoint} is blank,
 * any S3-compatible store (S3Proxy in the devstack) otherwise. Credentials come from the configuration when both
 * keys are set, else from the AWS default chain (environment, profile, instance/task role).
 */
public class S3Factory {
    private static final Logger LOG = LoggerFactory.getLogger(S3Factory.class);

    /** Base URL of an S3-compatible store; blank means AWS S3 of {@link #region}. */
    private String endpoint;

    @NotEmpty
    private String region;

    @NotEmpty
    private String bucket;

    private String accessKey;

    private String secretKey;

    /** {@code http://host/bucket/key} instead of {@code http://bucket.host/key}: needed by most S3-compatible stores. */
    private boolean pathStyle;

    @NotNull
    private Duration connectTimeout = Duration.seconds(2);

    /** Longest silence on an open connection: a stalled store fails a request instead of holding it for minutes. */
    @NotNull
    private Duration socketTimeout = Duration.seconds(10);

    /** Budget of one HTTP attempt (one part of a multipart upload, a HEAD, ...); the SDK retries transient failures. */
    @NotNull
    private Duration apiCallAttemptTimeout = Duration.seconds(30);

    @NotNull
    private Duration healthCheckTimeout = Duration.seconds(2);

    @Min(1)
    @Max(1000)
    private int maxConnections = 50;

    @JsonProperty
    public String getEndpoint() {
        return endpoint;
    }

    @JsonProperty
    public void setEndpoint(String endpoint) {
        this.endpoint = endpoint;
    }

    @JsonProperty
    public String getRegion() {
        return region;
    }

    @JsonProperty
    public void setRegion(String region) {
        this.region = region;
    }

    @JsonProperty
    public String getBucket() {
        return bucket;
    }

    @JsonProperty
    public void setBucket(String bucket) {
        this.bucket = bucket;
    }

    @JsonProperty
    public String getAccessKey() {
        return accessKey;
    }

    @JsonProperty
    public void setAccessKey(String accessKey) {
        this.accessKey = accessKey;
    }

    @JsonProperty
    public String getSecretKey() {
        return secretKey;
    }

    @JsonProperty
    public void setSecretKey(String secretKey) {
        this.secretKey = secretKey;
    }

    @JsonProperty
    public boolean isPathStyle() {
        return pathStyle;
    }

    @JsonProperty
    public void setPathStyle(boolean pathStyle) {
        this.pathStyle = pathStyle;
    }

    @JsonProperty
    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    @JsonProperty
    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    @JsonProperty
    public Duration getSocketTimeout() {
        return socketTimeout;
    }

    @JsonProperty
    public void setSocketTimeout(Duration socketTimeout) {
        this.socketTimeout = socketTimeout;
    }

    @JsonProperty
    public Duration getApiCallAttemptTimeout() {
        return apiCallAttemptTimeout;
    }

    @JsonProperty
    public void setApiCallAttemptTimeout(Duration apiCallAttemptTimeout) {
        this.apiCallAttemptTimeout = apiCallAttemptTimeout;
    }

    @JsonProperty
    public Duration getHealthCheckTimeout() {
        return healthCheckTimeout;
    }

    @JsonProperty
    public void setHealthCheckTimeout(Duration healthCheckTimeout) {
        this.healthCheckTimeout = healthCheckTimeout;
    }

    @JsonProperty
    public int getMaxConnections() {
        return maxConnections;
    }

    @JsonProperty
    public void setMaxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    /** The endpoint override, absent for AWS S3 (a blank value is what an unset environment default gives). */
    @JsonIgnore
    public Optional<URI> endpointUri() {
        return isBlank(endpoint) ? Optional.empty() : Optional.of(URI.create(endpoint.trim()));
    }

    @AssertTrue(message = "endpoint must be blank (AWS) or an absolute http(s) URL")
    @JsonIgnore
    public boolean isEndpointValid() {
        if (isBlank(endpoint)) {
            return true;
        }
        try {
            URI uri = URI.create(endpoint.trim());
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @AssertTrue(message = "accessKey and secretKey must be set together (or both left blank for the default chain)")
    @JsonIgnore
    public boolean isCredentialsComplete() {
        return isBlank(accessKey) == isBlank(secretKey);
    }

    /** A client closed with the service, plus a health check {@code s3} that HEADs the bucket. */
    public S3Client build(Environment environment) {
        LOG.info("S3: {}", this);
        S3Client client = S3Client.builder()
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(connectTimeout.toJavaDuration())
                        .socketTimeout(socketTimeout.toJavaDuration())
                        .maxConnections(maxConnections))
                .region(Region.of(region))
                .credentialsProvider(credentials())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(pathStyle).build())
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(apiCallAttemptTimeout.toJavaDuration()))
                .applyMutation(b -> endpointUri().ifPresent(b::endpointOverride))
                .build();
        environment.lifecycle().manage(new Managed() {
            @Override
            public void stop() {
                client.close();
            }
        });
        environment.healthChecks().register("s3", new S3HealthCheck(client, bucket, healthCheckTimeout.toJavaDuration()));
        return client;
    }

    /** A presigner for short-lived GET/PUT URLs with the same endpoint, region and identity; closed with the service. */
    public S3Presigner buildPresigner(Environment environment) {
        S3Presigner.Builder builder = S3Presigner.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(pathStyle).build());
        endpointUri().ifPresent(builder::endpointOverride);
        S3Presigner presigner = builder.build();
        environment.lifecycle().manage(new Managed() {
            @Override
            public void stop() {
                presigner.close();
            }
        });
        return presigner;
    }

    private AwsCredentialsProvider credentials() {
        if (isBlank(accessKey)) {
            return DefaultCredentialsProvider.builder().build();
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /** The effective settings with the secret masked, for the start-up log. */
    @Override
    public String toString() {
        return "endpoint=" + endpointUri().map(URI::toString).orElse("(AWS)") + ", region=" + region
                + ", bucket=" + bucket + ", pathStyle=" + pathStyle
                + ", credentials=" + (isBlank(accessKey) ? "default chain" : accessKey + "/****")
                + ", connectTimeout=" + connectTimeout + ", socketTimeout=" + socketTimeout
                + ", apiCallAttemptTimeout=" + apiCallAttemptTimeout + ", maxConnections=" + maxConnections;
    }
}
