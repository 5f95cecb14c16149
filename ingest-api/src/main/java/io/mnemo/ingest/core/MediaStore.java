package io.mnemo.ingest.core;

import java.io.IOException;
import java.io.InputStream;

/**
 * Port: the object store holding uploaded media. Uploads land under a staging key that names tenant and user, so
 * that ownership of a media id can be checked by looking the key up.
 */
public interface MediaStore {
    /** Where an upload of this tenant's user is staged: {@code staging/{tenant}/{userId}/{mediaId}}. */
    static String stagingKey(TenantId tenant, UserId user, MediaId mediaId) {
        return "staging/" + tenant.value() + "/" + user.value() + "/" + mediaId.value();
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

    /** Whether an object exists at {@code key}. @throws MediaStoreFailure when the store cannot tell now */
    boolean exists(String key);

    /** Removes the object at {@code key} if present. @throws MediaStoreFailure when the store is failing */
    void delete(String key);

    /** Convenience for {@link #exists(String)} at the staging key. */
    default boolean exists(TenantId tenant, UserId user, MediaId mediaId) {
        return exists(stagingKey(tenant, user, mediaId));
    }

    /** The store is unreachable or answered with a server error; worth retrying later. */
    final class MediaStoreFailure extends RuntimeException {
        public MediaStoreFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
