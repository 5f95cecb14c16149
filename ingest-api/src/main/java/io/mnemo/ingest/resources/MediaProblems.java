package io.mnemo.ingest.resources;

import io.mnemo.ingest.core.MediaRejected;
import io.mnemo.ingest.core.MediaStorageUnavailable;
import io.mnemo.ingest.core.PayloadTooLarge;
import io.mnemo.ingest.core.TooManyUploads;
import io.mnemo.ingest.core.UnsupportedMedia;
import io.mnemo.kit.http.JsonBodyLimit;
import io.mnemo.kit.problems.ProblemResponses;
import io.mnemo.kit.problems.ProblemType;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;

/** Maps refused media uploads to problem+json, by type. */
public final class MediaProblems implements ExceptionMapper<MediaRejected> {
    public static final ProblemType PAYLOAD_TOO_LARGE = JsonBodyLimit.PAYLOAD_TOO_LARGE;
    public static final ProblemType UNSUPPORTED_MEDIA_TYPE = new ProblemType("unsupported-media-type",
            "Unsupported media type", 415);
    public static final ProblemType STORAGE_UNAVAILABLE = new ProblemType("media-storage-unavailable",
            "The media store cannot take the upload now", 503);
    public static final ProblemType TOO_MANY_UPLOADS = new ProblemType("too-many-concurrent-uploads",
            "Too many uploads of this tenant are in progress", 429);

    @Context
    private UriInfo request;

    @Override
    public Response toResponse(MediaRejected exception) {
        if (exception instanceof PayloadTooLarge tooLarge) {
            return ProblemResponses.of(PAYLOAD_TOO_LARGE, tooLarge.getMessage(), request);
        }
        if (exception instanceof UnsupportedMedia unsupported) {
            return ProblemResponses.of(UNSUPPORTED_MEDIA_TYPE, unsupported.getMessage()
                    + "; allowed: images (JPEG, PNG, GIF, WebP, HEIC/HEIF), audio (MP3, WAV, Ogg, FLAC, M4A), "
                    + "video (MP4, QuickTime, WebM, Matroska), PDF, UTF-8 plain text", request);
        }
        if (exception instanceof TooManyUploads tooMany) {
            return ProblemResponses.retryLater(TOO_MANY_UPLOADS, tooMany.getMessage()
                    + "; nothing was read or stored, retry with the same Idempotency-Key once one has finished",
                    tooMany.retryAfter(), request);
        }
        MediaStorageUnavailable unavailable = (MediaStorageUnavailable) exception;
        return ProblemResponses.retryLater(STORAGE_UNAVAILABLE, unavailable.getMessage()
                + "; nothing was registered, retry with the same Idempotency-Key", unavailable.retryAfter(), request);
    }
}
