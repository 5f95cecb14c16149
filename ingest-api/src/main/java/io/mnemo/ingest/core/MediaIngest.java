package io.mnemo.ingest.core;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.mnemo.kit.limits.TenantPermits;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stages producers' media uploads: sniffs and checks the type before anything is stored, streams the bytes to the
 * media store while hashing and capping them, and reports the upload only once its {@link MediaStaged} event is
 * durable in the log.
 *
 * <p>Every attempt stages its own object ({@code .../{mediaId}/{attemptId}}), so a retry with the same
 * Idempotency-Key never overwrites nor deletes the object an earlier attempt's event may point to. A staged object
 * is removed only when nothing can refer to it: the upload itself failed, or the publish was refused before
 * anything reached the log. After an ambiguous publish failure (a timeout: the broker may have written the event)
 * the object stays; if it turns out unreferenced, the staging lifecycle rule expires it.
 */
public final class MediaIngest {
    private static final Logger LOG = LoggerFactory.getLogger(MediaIngest.class);
    private static final SecureRandom ATTEMPT_IDS = new SecureRandom();

    /** The durable publish path shared with memories (bounded in-flight wait for the log's acknowledgement). */
    @FunctionalInterface
    public interface DurableLog {
        /** @throws IngestUnavailable or {@link IngestOverloaded} when the event is not durable */
        LogPosition publishDurably(MemoryEvent event, Provenance provenance);
    }

    /** What the producer gets back for a staged upload. */
    public record Staged(MediaId mediaId, String sha256, long size, String contentType, LogPosition position) {
    }

    private final MediaStore store;
    private final DurableLog log;
    private final UserKeys userKeys;
    private final Clock clock;
    private final long maxBytes;
    private final Duration retryAfter;
    private final Semaphore uploads;
    private final TenantPermits tenantUploads;
    private final int maxConcurrent;

    /**
     * @param userKeys          who may be written to: an erased user's upload is refused before a byte is stored
     * @param maxBytes          the size cap of one upload
     * @param maxConcurrent     uploads streaming at once; each holds up to one part buffer of the store, so this
     *                          bounds the memory media can take
     * @param retryAfter        suggested wait when the store is unavailable or saturated
     */
    public MediaIngest(MediaStore store, DurableLog log, UserKeys userKeys, Clock clock, long maxBytes,
                       int maxConcurrent, Duration retryAfter) {
        this(store, log, userKeys, clock, maxBytes, maxConcurrent, maxConcurrent, retryAfter);
    }

    /**
     * @param maxConcurrentPerTenant uploads one tenant may stream at once (beyond: {@link TooManyUploads}), so one
     *                               tenant cannot take all of {@code maxConcurrent}
     */
    public MediaIngest(MediaStore store, DurableLog log, UserKeys userKeys, Clock clock, long maxBytes,
                       int maxConcurrent, int maxConcurrentPerTenant, Duration retryAfter) {
        this.store = Objects.requireNonNull(store, "store");
        this.log = Objects.requireNonNull(log, "log");
        this.userKeys = Objects.requireNonNull(userKeys, "userKeys");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxBytes = maxBytes;
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
        this.maxConcurrent = maxConcurrent;
        this.uploads = new Semaphore(maxConcurrent);
        this.tenantUploads = new TenantPermits(maxConcurrentPerTenant);
    }

    /**
     * Stages one upload.
     *
     * @throws UserGone                the user was erased (nothing stored)
     * @throws InvalidInput            empty or unreadable body, bad ids
     * @throws PayloadTooLarge         above the cap (nothing left in the store)
     * @throws UnsupportedMedia        not an allowed type, or not the declared one (nothing left in the store)
     * @throws MediaStorageUnavailable the store failed (nothing registered)
     * @throws TooManyUploads          the tenant has its most uploads in progress (nothing read)
     * @throws IngestUnavailable       the log did not acknowledge the event (the staged object is kept unless the
     *                                 publish was refused before reaching the log)
     * @throws IngestOverloaded        too many writes wait for the log (the staged object was removed)
     */
    public Staged stage(StageMedia command, Provenance provenance) {
        if (command.declaredLength().isPresent() && command.declaredLength().getAsLong() > maxBytes) {
            throw new PayloadTooLarge(maxBytes);
        }
        // before the body is read: an erased user's bytes must never reach the store, not even as staging
        userKeys.requireWritable(command.tenant(), command.user());
        // the tenant's own cap first: a tenant at its cap is told so (429), whatever the instance's load
        try (TenantPermits.Permit tenantPermit = tenantUploads.tryAcquire(command.tenant().value())
                .orElseThrow(() -> new TooManyUploads(tenantUploads.perTenant(), retryAfter))) {
            if (!uploads.tryAcquire()) {
                throw new MediaStorageUnavailable("too many uploads are in progress", retryAfter, null);
            }
            try {
                return stageHoldingPermit(command, provenance);
            } finally {
                uploads.release();
            }
        }
    }

    /** Uploads being streamed on this instance now (each holds one of {@code maxConcurrent}). */
    public int uploadsInProgress() {
        return maxConcurrent - uploads.availablePermits();
    }

    private Staged stageHoldingPermit(StageMedia command, Provenance provenance) {
        byte[] head = readHead(command.body());
        if (head.length == 0) {
            throw new InvalidInput("body", "must not be empty");
        }
        // readNBytes returns fewer bytes than asked only at the end of the body
        boolean wholeBody = head.length < MediaSniffer.HEAD_SIZE;
        String contentType = MediaSniffer.contentType(head, wholeBody, command.declaredType());

        MediaId mediaId = command.idempotencyKey()
                .map(key -> DeterministicIds.mediaId(command.tenant(), command.user(), key))
                .orElseGet(MediaId::random);
        EventId eventId = command.idempotencyKey()
                .map(key -> DeterministicIds.eventId(command.tenant(), command.user(), "media", key))
                .orElseGet(() -> new EventId(UUID.randomUUID()));
        String key = MediaStore.stagingKey(command.tenant(), command.user(), mediaId,
                HexFormat.of().toHexDigits(ATTEMPT_IDS.nextLong()));
        InspectedStream body = new InspectedStream(
                new SequenceInputStream(new ByteArrayInputStream(head), command.body()), maxBytes,
                MediaSniffer.TEXT_PLAIN.equals(contentType));
        try {
            // the charset makes browsers fetching text media later decode it as what it was checked to be
            store.put(key, MediaSniffer.TEXT_PLAIN.equals(contentType) ? "text/plain; charset=utf-8" : contentType,
                    body);
        } catch (IOException e) {
            // never the exception's class name (HttpEofException, ...): clients see no internal type
            throw new InvalidInput("body", "could not be read to its end (the connection ended before the "
                    + "declared length, or the body was cut off)");
        } catch (MediaStore.MediaStoreFailure e) {
            throw new MediaStorageUnavailable("the media store cannot take the upload now", retryAfter, e);
        }
        if (!body.isFullyRead()) {
            // a store must consume the whole body; an object of unknown extent must not be registered
            deleteQuietly(key);
            throw new IllegalStateException("the media store returned before the end of the body");
        }

        MediaStaged event = new MediaStaged(eventId, command.tenant(), command.user(),
                clock.instant().truncatedTo(ChronoUnit.MICROS), mediaId, body.sha256Hex(), body.size(), contentType,
                store.bucket(), key);
        LogPosition position;
        try {
            position = log.publishDurably(event, provenance);
        } catch (RuntimeException e) {
            if (provesNothingWasPublished(e)) {
                deleteQuietly(key);
            }
            // otherwise the broker may have written the event (only its answer was lost): the object must stay
            throw e;
        }
        return new Staged(mediaId, event.sha256(), event.size(), contentType, position);
    }

    /** Only a refusal before the event reached the log: saturated, or the circuit breaker did not let it through. */
    private static boolean provesNothingWasPublished(RuntimeException failure) {
        if (failure instanceof IngestOverloaded) {
            return true;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CallNotPermittedException) {
                return true;
            }
        }
        return false;
    }

    private static byte[] readHead(InputStream body) {
        try {
            return body.readNBytes(MediaSniffer.HEAD_SIZE);
        } catch (IOException e) {
            throw new InvalidInput("body", "could not be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    private void deleteQuietly(String key) {
        try {
            store.delete(key);
        } catch (RuntimeException e) {
            // an orphan is unreferenced, so it is waste, not a lie; the staging lifecycle rule (if any) expires it
            LOG.warn("could not remove unregistered staged object {}: {}", key, e.toString());
        }
    }
}
