package io.mnemo.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

/**
 * S3Proxy in a child JVM with a filesystem-backed store under {@code <dataDir>/s3}, AWS signature v4 and a fixed
 * development identity.
 */
final class S3ProxyServer {

    private static final Logger LOG = LoggerFactory.getLogger(S3ProxyServer.class);
    private static final String CLASSPATH_RESOURCE = "io/mnemo/devstack/s3proxy.classpath";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    static final String ACCESS_KEY = "mnemo-dev";
    static final String SECRET_KEY = "mnemo-dev-secret";
    static final String REGION = "us-east-1";

    private final Path storeDir;
    private final Path confDir;
    private final Path logsDir;
    private final int port;
    private final String bucket;
    private Process process;

    S3ProxyServer(Path storeDir, Path confDir, Path logsDir, int port, String bucket) {
        this.storeDir = storeDir;
        this.confDir = confDir;
        this.logsDir = logsDir;
        this.port = port;
        this.bucket = bucket;
    }

    S3Endpoint endpoint() {
        return new S3Endpoint("http://127.0.0.1:" + port, bucket, REGION, ACCESS_KEY, SECRET_KEY);
    }

    /** Starts S3Proxy and waits until the media bucket exists (creating it on first start). */
    synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        Files.createDirectories(storeDir);
        Files.createDirectories(confDir);
        Files.createDirectories(logsDir);
        // property names of S3Proxy 4.x (org.gaul.s3proxy.Main / BlobStores): the jclouds.* names survived the move
        // away from jclouds; "filesystem" is its own NIO.2 store (FilesystemNio2BlobStore) rooted at basedir
        String properties = String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.identity=" + ACCESS_KEY,
                "jclouds.credential=" + SECRET_KEY,
                "jclouds.region=" + REGION,
                "jclouds.filesystem.basedir=" + storeDir,
                "");
        Path file = confDir.resolve("s3proxy.properties");
        Files.writeString(file, properties, StandardCharsets.UTF_8);
        Path log = logsDir.resolve("s3proxy.log");
        process = ChildJvm.start(ChildJvm.classpathResource(CLASSPATH_RESOURCE), List.of(
                        "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC",
                        "-Djava.awt.headless=true",
                        "-Dorg.slf4j.simpleLogger.logFile=" + log,
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                        "-Dorg.slf4j.simpleLogger.showDateTime=true"),
                "org.gaul.s3proxy.Main", List.of("--properties", file.toString()), logsDir.resolve("s3proxy.out"));
        awaitBucket();
    }

    synchronized void stop() {
        if (process == null) {
            return;
        }
        try {
            ChildJvm.stopGracefully(process, 20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            process = null;
        }
    }

    synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    synchronized String exitDescription() {
        return ChildJvm.describeExit(process);
    }

    /** Starts the server again after its process died, waiting until the bucket answers. */
    synchronized void restartAfterCrash() throws IOException, InterruptedException {
        if (isRunning()) {
            return;
        }
        process = null;
        start();
    }

    Path log() {
        return logsDir.resolve("s3proxy.log");
    }

    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** A client for the store, configured for path-style access to this endpoint. */
    static S3Client client(S3Endpoint endpoint) {
        return S3Client.builder()
                .endpointOverride(URI.create(endpoint.endpoint()))
                .region(Region.of(endpoint.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(endpoint.accessKey(), endpoint.secretKey())))
                .forcePathStyle(true)
                .build();
    }

    private void awaitBucket() throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        SdkException last = null;
        try (S3Client s3 = client(endpoint())) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("S3Proxy exited with " + process.exitValue()
                            + " while starting; last log lines:\n" + ChildJvm.tail(logsDir.resolve("s3proxy.log"), 40)
                            + "\n" + ChildJvm.tail(logsDir.resolve("s3proxy.out"), 20));
                }
                try {
                    try {
                        s3.headBucket(request -> request.bucket(bucket));
                    } catch (NoSuchBucketException e) {
                        // No lifecycle rule here: S3Proxy (4.1.0) does not support PutBucketLifecycleConfiguration.
                        // A real bucket needs one: expire "staging/" after 7 days (objects of failed or ambiguous
                        // upload attempts) and abort incomplete multipart uploads after 1 day.
                        s3.createBucket(request -> request.bucket(bucket));
                        LOG.debug("created bucket {}", bucket);
                    }
                    return;
                } catch (SdkException e) {
                    // connection refused until Jetty listens
                    last = e;
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
        throw new IllegalStateException("S3Proxy at " + endpoint().endpoint() + " was not ready within "
                + READY_TIMEOUT + "; last log lines:\n" + ChildJvm.tail(logsDir.resolve("s3proxy.log"), 40), last);
    }
}
