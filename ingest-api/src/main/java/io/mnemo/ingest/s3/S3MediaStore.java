package io.mnemo.ingest.s3;

import io.mnemo.ingest.core.MediaStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link MediaStore} on S3. A body that fits in one part is one PUT; a larger one is a multipart upload of
 * fixed-size parts read into one reused buffer, so an upload holds at most one part in memory whatever its size.
 * A failed multipart upload is aborted, so S3 keeps no parts of it.
 */
public final class S3MediaStore implements MediaStore {
    private static final Logger LOG = LoggerFactory.getLogger(S3MediaStore.class);
    /** S3's smallest allowed part (all but the last). */
    public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    /** First buffer size: most uploads are small, so the part buffer grows only as the body does. */
    private static final int INITIAL_BUFFER = 64 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final int partSize;

    public S3MediaStore(S3Client s3, String bucket, int partSize) {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("part size must be at least 5 MiB (S3's minimum), was " + partSize);
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.partSize = partSize;
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public void put(String key, String contentType, InputStream body) throws IOException {
        PartBuffer part = new PartBuffer(partSize);
        part.fill(body);
        if (!part.isFull()) {
            // fits in one part, and the body ended: a single PUT
            storeFailure("put", key, () -> s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType)
                    .contentLength((long) part.length()), part.requestBody()));
            return;
        }
        String uploadId = storeFailure("start multipart upload", key, () -> s3.createMultipartUpload(b -> b
                .bucket(bucket).key(key).contentType(contentType)).uploadId());
        try {
            List<CompletedPart> parts = new ArrayList<>();
            while (part.length() > 0) {
                int number = parts.size() + 1;
                String etag = storeFailure("upload part " + number, key, () -> s3.uploadPart(b -> b.bucket(bucket)
                        .key(key).uploadId(uploadId).partNumber(number).contentLength((long) part.length()),
                        part.requestBody()).eTag());
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                part.fill(body);
            }
            storeFailure("complete multipart upload", key, () -> s3.completeMultipartUpload(b -> b.bucket(bucket)
                    .key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts))));
        } catch (IOException | RuntimeException | Error e) {
            abort(key, uploadId, e);
            throw e;
        }
    }

    @Override
    public boolean anyUnder(String prefix) {
        try {
            return !s3.listObjectsV2(b -> b.bucket(bucket).prefix(prefix).maxKeys(1)).contents().isEmpty();
        } catch (SdkClientException | S3Exception e) {
            throw failure("list", prefix, e);
        }
    }

    @Override
    public void delete(String key) {
        storeFailure("delete", key, () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
    }

    private void abort(String key, String uploadId, Throwable cause) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            // parts are never visible; a bucket lifecycle rule aborting incomplete multipart uploads drops them
            LOG.warn("could not abort multipart upload {} of {} after {}: {}", uploadId, key, cause.toString(),
                    e.toString());
            cause.addSuppressed(e);
        }
    }

    /** Runs an S3 call, turning unreachable/5xx/throttled into the port's retryable failure. */
    private static <T> T storeFailure(String operation, String key, SdkCall<T> call) {
        try {
            return call.run();
        } catch (S3Exception e) {
            if (e.statusCode() >= 500 || e.statusCode() == 429 || e.isThrottlingException()) {
                throw failure(operation, key, e);
            }
            // 4xx other than throttling: wrong credentials, missing bucket, ... a configuration error, not transient
            throw e;
        } catch (SdkClientException e) {
            throw failure(operation, key, e);
        }
    }

    private static MediaStoreFailure failure(String operation, String key, SdkException e) {
        return new MediaStoreFailure("S3 " + operation + " of " + key + " failed: " + e.getMessage(), e);
    }

    @FunctionalInterface
    private interface SdkCall<T> {
        T run();
    }

    /** One part's bytes, in a buffer reused for every part and grown (up to the part size) only as needed. */
    private static final class PartBuffer {
        private final int capacity;
        private byte[] bytes = new byte[0];
        private int length;

        PartBuffer(int capacity) {
            this.capacity = capacity;
        }

        /** Reads the next part: until the buffer is full or the body ends. */
        void fill(InputStream body) throws IOException {
            length = 0;
            while (length < capacity) {
                if (length == bytes.length) {
                    bytes = Arrays.copyOf(bytes, Math.min(capacity, Math.max(INITIAL_BUFFER, bytes.length * 2)));
                }
                int n = body.read(bytes, length, bytes.length - length);
                if (n < 0) {
                    return;
                }
                length += n;
            }
        }

        boolean isFull() {
            return length == capacity;
        }

        int length() {
            return length;
        }

        /** A body the SDK can re-read on retry, without copying the buffer. */
        RequestBody requestBody() {
            byte[] current = bytes;
            int n = length;
            return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(current, 0, n), n,
                    "application/octet-stream");
        }
    }
}
