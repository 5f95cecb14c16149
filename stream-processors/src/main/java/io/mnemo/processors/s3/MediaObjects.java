package io.mnemo.processors.s3;

import io.mnemo.schemas.changes.MediaRef;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The media objects of the bucket as the media sink sees them: staged uploads under
 * {@code staging/{tenant}/{user}/{mediaId}/{attempt}} and content-addressed copies under
 * {@code media/{tenant}/{sha256}}. Every operation is idempotent, so a batch re-run after a crash is harmless.
 * S3 and I/O failures propagate as runtime exceptions (the sink retries the batch); only a reference that can
 * never be promoted throws {@link MediaUnusable}.
 */
public final class MediaObjects {
    private static final Logger LOG = LoggerFactory.getLogger(MediaObjects.class);
    /** Most keys one DeleteObjects request accepts. */
    private static final int DELETE_BATCH = 1000;

    private final S3Client s3;
    private final String bucket;

    public MediaObjects(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** {@code media/{tenant}/{sha256}}: where the verified bytes of a tenant's media live, once per content. */
    public static String contentKey(String tenant, String sha256) {
        return "media/" + tenant + "/" + sha256;
    }

    /** Below which every upload attempt of one media id of a tenant's user is staged (ends with {@code /}). */
    public static String stagingPrefix(String tenant, String user, String mediaId) {
        return userStagingPrefix(tenant, user) + mediaId + "/";
    }

    /** Below which all of a tenant's user's uploads are staged (ends with {@code /}). */
    public static String userStagingPrefix(String tenant, String user) {
        return "staging/" + tenant + "/" + user + "/";
    }

    public boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            // HEAD has no body, so a missing key can arrive as a bare 404 rather than NoSuchKey
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Copies the staged bytes of {@code ref} to {@link #contentKey} after checking their SHA-256, unless the
     * content object exists already (it is only ever written verified, and identical bytes need one copy).
     *
     * @return whether this call wrote the content object
     * @throws MediaUnusable when the staged object is gone, or its bytes are not those the reference describes
     */
    public boolean promote(MediaRef ref, String tenant) {
        String target = contentKey(tenant, ref.getSha256());
        if (exists(target)) {
            return false;
        }
        // Spooled to a file rather than held in memory: the verdict needs every byte before anything is written
        // to the content key, and a file keeps the heap flat whatever size ingest is configured to accept
        // (25 MiB by default, and the processors run in a small heap). The sink promotes one object at a time.
        Path spool = createSpool();
        try {
            long length = download(ref, spool);
            s3.putObject(b -> b.bucket(bucket).key(target).contentType(ref.getContentType()).contentLength(length),
                    RequestBody.fromFile(spool));
            return true;
        } finally {
            try {
                Files.deleteIfExists(spool);
            } catch (IOException e) {
                LOG.warn("Could not delete the spool file {}", spool, e);
            }
        }
    }

    /** Removes a content object; a missing one is fine (S3 deletes are idempotent). */
    public void deleteContent(String tenant, String sha256) {
        s3.deleteObject(b -> b.bucket(bucket).key(contentKey(tenant, sha256)));
    }

    /** Removes every upload attempt of one media id of a tenant's user. @return how many objects were listed */
    public int deleteStaging(String tenant, String user, String mediaId) {
        return deleteUnder(stagingPrefix(tenant, user, mediaId));
    }

    /** Removes everything a tenant's user ever staged. @return how many objects were listed */
    public int deleteAllStaging(String tenant, String user) {
        return deleteUnder(userStagingPrefix(tenant, user));
    }

    private int deleteUnder(String prefix) {
        int deleted = 0;
        // Lists then deletes page by page: each page holds at most 1000 keys, DeleteObjects' own limit.
        for (var page : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix).maxKeys(DELETE_BATCH))) {
            List<ObjectIdentifier> keys = page.contents().stream()
                    .map(S3Object::key).map(key -> ObjectIdentifier.builder().key(key).build()).toList();
            if (keys.isEmpty()) {
                continue;
            }
            DeleteObjectsResponse response = s3.deleteObjects(b -> b.bucket(bucket)
                    .delete(d -> d.objects(keys).quiet(true)));
            if (response.hasErrors() && !response.errors().isEmpty()) {
                // Per-key failures arrive in a 200 response; treat them as transient so the batch is retried.
                var first = response.errors().get(0);
                throw new IllegalStateException("S3 could not delete " + response.errors().size() + " object(s) under "
                        + prefix + ", e.g. " + first.key() + ": " + first.code() + " " + first.message());
            }
            deleted += keys.size();
        }
        return deleted;
    }

    /** Downloads the staged object into {@code spool}, checking its length and hash. @return its length */
    private long download(MediaRef ref, Path spool) {
        String source = ref.getStagingKey();
        MessageDigest digest = sha256();
        long length = 0;
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(source));
             OutputStream out = Files.newOutputStream(spool)) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                length += n;
                if (length > ref.getSize()) {
                    // Stop early: the spool never holds more than the size ingest accepted and recorded.
                    throw new MediaUnusable("staged object " + source + " is larger than the " + ref.getSize()
                            + " bytes its reference declares");
                }
                digest.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        } catch (NoSuchKeyException e) {
            throw new MediaUnusable("staged object " + source + " does not exist (any more)", e);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new MediaUnusable("staged object " + source + " does not exist (any more)", e);
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("reading staged object " + source + " failed", e);
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (length != ref.getSize() || !actual.equals(ref.getSha256())) {
            throw new MediaUnusable("staged object " + source + " has SHA-256 " + actual + " and " + length
                    + " bytes, its reference says " + ref.getSha256() + " and " + ref.getSize() + " bytes");
        }
        return length;
    }

    private Path createSpool() {
        try {
            return Files.createTempFile("mnemo-media-", ".spool");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a spool file for a media promotion", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
