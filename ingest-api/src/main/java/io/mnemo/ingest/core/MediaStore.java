package io.mnemo.ingest.core;

import java.io.IOException;
import java.io.InputStream;

/**
 * Port: the object store holding uploaded media. Every upload attempt lands under its own staging key below a
 * prefix that names tenant, user and media id, so that ownership of a media id can be checked by looking for any
 * object under that prefix, and a retry never overwrites (nor deletes) the object of an earlier attempt.
 */
public interface MediaStore {
    /** Below which every attempt of one media id of this tenant's user is staged (ends with {@code /}). */
    static String stagingPrefix(TenantId tenant, UserId user, MediaId mediaId) {
        return "staging/" + tenant.value() + "/" + user.value() + "/" + mediaId.value() + "/";
    }

    /** Where one upload attempt is staged: {@code staging/{tenant}/{userId}/{mediaId}/{attemptId}}. */
    static String stagingKey(TenantId tenant, UserId user, MediaId mediaId, String attemptId) {
        return stagingPrefix(tenant, user, mediaId) + attemptId;
    }

    /** The bucket the keys live in (reported in {@link MediaStaged}). */
    String bucket();

    /**
     * Streams {@code body} to {@code key}, in bounded memory, replacing any object there. The object exists
     * afterwards only if this returns normally: on any failure, including an exception thrown by {@code body},
     * a partial upload is aborted before the exception propagates.
     *
     * @throws IOException          when reading {@code body} failed (the client went away, ...)
     * @throws MediaStoreFailure    when the store is unreachable or failing
     */
    void put(String key, String contentType, InputStream body) throws IOException;

    /**
     * Whether any object exists whose key starts with {@code prefix}.
     *
     * @throws MediaStoreFailure when the store cannot tell now
     */
    boolean anyUnder(String prefix);

    /** Removes the object at {@code key} if present. @throws MediaStoreFailure when the store is failing */
    void delete(String key);

    /** Whether this tenant's user staged this media id, under any attempt. */
    default boolean exists(TenantId tenant, UserId user, MediaId mediaId) {
        return anyUnder(stagingPrefix(tenant, user, mediaId));
    }

    /** The store is unreachable or answered with a server error; worth retrying later. */
    final class MediaStoreFailure extends RuntimeException {
        public MediaStoreFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
