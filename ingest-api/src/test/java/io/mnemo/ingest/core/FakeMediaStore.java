package io.mnemo.ingest.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory {@link MediaStore} that keeps the port's promise: an object exists only if the whole body was read
 * without error. Can be switched to fail like an unreachable store.
 */
public final class FakeMediaStore implements MediaStore {
    /** A stored object. */
    public record StoredObject(byte[] bytes, String contentType) {
    }

    public final Map<String, StoredObject> objects = new ConcurrentHashMap<>();
    public volatile boolean unreachable;
    public int puts;

    @Override
    public String bucket() {
        return "fake-bucket";
    }

    @Override
    public void put(String key, String contentType, InputStream body) throws IOException {
        puts++;
        failIfUnreachable();
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        body.transferTo(copy);
        objects.put(key, new StoredObject(copy.toByteArray(), contentType));
    }

    @Override
    public boolean anyUnder(String prefix) {
        failIfUnreachable();
        return objects.keySet().stream().anyMatch(key -> key.startsWith(prefix));
    }

    @Override
    public void delete(String key) {
        failIfUnreachable();
        objects.remove(key);
    }

    /** Stages an object directly, as if uploaded by that user in one attempt. */
    public void stage(TenantId tenant, UserId user, MediaId mediaId, String attemptId) {
        objects.put(MediaStore.stagingKey(tenant, user, mediaId, attemptId),
                new StoredObject(new byte[] {'x'}, "text/plain"));
    }

    private void failIfUnreachable() {
        if (unreachable) {
            throw new MediaStoreFailure("connection refused", new IOException("connection refused"));
        }
    }
}
