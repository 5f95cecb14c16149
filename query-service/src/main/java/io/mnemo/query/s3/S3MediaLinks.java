package io.mnemo.query.s3;

import io.mnemo.query.core.MediaLink;
import io.mnemo.query.core.MediaLinks;
import io.mnemo.query.core.MediaObject;
import java.time.Clock;
import java.time.Duration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;

/** Presigned S3 GET URLs (SigV4, query-string auth) that expire after a fixed time and name the content type. */
public final class S3MediaLinks implements MediaLinks {
    private final S3Presigner presigner;
    private final String bucket;
    private final Duration ttl;
    private final Clock clock;

    public S3MediaLinks(S3Presigner presigner, String bucket, Duration ttl, Clock clock) {
        this.presigner = presigner;
        this.bucket = bucket;
        this.ttl = ttl;
        this.clock = clock;
    }

    @Override
    public MediaLink signedDownload(MediaObject media) {
        var now = clock.instant();
        PresignedGetObjectRequest signed = presigner.presignGetObject(request -> request
                .signatureDuration(ttl)
                .getObjectRequest(get -> get.bucket(bucket).key(media.objectKey())
                        .responseContentType(media.contentType())));
        return new MediaLink(signed.url().toString(), signed.expiration() != null ? signed.expiration()
                : now.plus(ttl));
    }
}
