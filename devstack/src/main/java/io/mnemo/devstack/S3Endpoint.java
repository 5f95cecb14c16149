package io.mnemo.devstack;

/**
 * How to reach the devstack's S3-compatible store (S3Proxy, AWS signature v4, path-style addressing).
 *
 * @param endpoint  base URL, e.g. {@code http://127.0.0.1:PORT}
 * @param bucket    the media bucket, created at start
 * @param region    signing region
 * @param accessKey fixed development access key
 * @param secretKey fixed development secret key
 */
public record S3Endpoint(String endpoint, String bucket, String region, String accessKey, String secretKey) {
}
