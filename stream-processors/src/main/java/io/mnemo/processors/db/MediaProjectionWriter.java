package io.mnemo.processors.db;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.mnemo.kit.db.Daos;
import io.mnemo.processors.core.MemoryKey;
import io.mnemo.processors.s3.MediaObjects;
import io.mnemo.processors.s3.MediaUnusable;
import io.mnemo.processors.sink.DeadLetterPublisher;
import io.mnemo.processors.sink.ProjectionWriter;
import io.mnemo.processors.sink.SettledPositions;
import io.mnemo.processors.topology.DeadLetters;
import io.mnemo.schemas.changes.MediaRef;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.events.UserErased;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds {@code mnemo.memory-changes.v1} into the media objects and the {@code media} / {@code memory_media} tables:
 * promotes staged uploads to content-addressed keys {@code media/{tenant}/{sha256}} (hash verified), and deletes
 * an object once no memory of its tenant references it; on {@code UserErased} it deletes all the user's staging.
 *
 * <p>S3 work happens inside the sink's batch transaction, before the commit, and is idempotent (a promotion finds
 * the object and stops; deleting a missing object succeeds), so a batch re-run after any failure converges. The
 * {@code media} row of a hash is the tenant-wide lock: every instance locks it ({@link MediaDao#lock}) before
 * adding or dropping a reference to the hash, so a reference being added in one partition and the last one dropped
 * in another cannot lose the object between them. The statements are the DAOs' of {@code media},
 * {@code memory_media} and {@code media_memory_versions}.
 */
public final class MediaProjectionWriter implements ProjectionWriter<SpecificRecord> {
    public static final String PROJECTION = "media";
    /** The processors' header on a change: {@code 0} when the memory has media neither before nor after it. */
    public static final String TOUCHES_MEDIA = "mnemo.media";
    /** Changes with object work (copies of up to 25 MiB, deletions) in one transaction at most. */
    static final int MAX_OBJECT_WORK_PER_TRANSACTION = 50;
    private static final Logger LOG = LoggerFactory.getLogger(MediaProjectionWriter.class);

    /** Re-inserting a media row that a concurrent sink deleted under us cannot race forever; give up and retry. */
    private static final int MAX_LOCK_ATTEMPTS = 5;

    private final MediaObjects objects;
    private final DeadLetterPublisher deadLetters;
    private final Clock clock;
    private final Counter promoted;
    private final Counter deleted;
    private final Counter deadLettered;

    public MediaProjectionWriter(MediaObjects objects, DeadLetterPublisher deadLetters, MeterRegistry metrics,
                                 Clock clock) {
        this.objects = objects;
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.promoted = Counter.builder("mnemo.processors.media.promoted")
                .description("Staged media copied to their content-addressed key").register(metrics);
        this.deleted = Counter.builder("mnemo.processors.media.deleted")
                .description("Content-addressed media deleted because no memory references them any more")
                .register(metrics);
        this.deadLettered = Counter.builder("mnemo.processors.media.dead.lettered")
                .description("Memory changes dead-lettered because a media reference cannot be promoted")
                .register(metrics);
    }

    @Override
    public String projection() {
        return PROJECTION;
    }

    /** A change carrying media may copy an object of up to 25 MiB; a forget or an erasure may delete objects. */
    @Override
    public boolean isCostly(SpecificRecord value) {
        return value instanceof UserErased || value instanceof MemoryChanged change
                && (change.getKind() == MemoryChangeKind.DELETED || !mediaOf(change).isEmpty());
    }

    /**
     * Object work per transaction: each must end well within the consumer's max.poll.interval.ms and hold its row
     * locks briefly. Changes without object work (most of them) are not counted, so they travel in full batches.
     */
    @Override
    public int maxCostlyPerTransaction() {
        return MAX_OBJECT_WORK_PER_TRANSACTION;
    }

    /**
     * A change the processors marked as touching no media ({@code mnemo.media: 0}: the memory references none
     * before or after it) would be passed over by {@link #write} anyway; its position is all this projection needs.
     * Changes without the header (written before it existed) are read and checked as before.
     */
    @Override
    public boolean needsContent(String recordType, Headers headers) {
        return mayTouchMedia(recordType, headers);
    }

    /** See {@link #needsContent}: false only for a change marked {@code mnemo.media: 0}. */
    public static boolean mayTouchMedia(String recordType, Headers headers) {
        if (!MemoryChanged.getClassSchema().getFullName().equals(recordType)) {
            return true;
        }
        Header touchesMedia = headers.lastHeader(TOUCHES_MEDIA);
        return touchesMedia == null || touchesMedia.value() == null || touchesMedia.value().length != 1
                || touchesMedia.value()[0] != '0';
    }

    /**
     * Applies the batch in log order (one user's changes are in one partition, so in order here too). Most changes
     * neither carry media nor replace a memory's media: those are passed over after one statement for the whole
     * batch (which of its memories reference media), instead of a version claim each. Passing one over is safe:
     * such a change would only record its version, and a version row only guards references, which the memory
     * does not have; a later change that adds media claims its own version, so a replay of an older change still
     * finds a newer version recorded.
     */
    @Override
    public void write(Handle transaction, List<ConsumerRecord<String, SpecificRecord>> batch) {
        Set<MemoryKey> mayHaveMedia = referencing(transaction, batch);
        for (ConsumerRecord<String, SpecificRecord> record : batch) {
            if (record.value() instanceof MemoryChanged change) {
                MemoryKey memory = MemoryKey.of(change);
                if (mediaOf(change).isEmpty() && !mayHaveMedia.contains(memory)) {
                    continue;
                }
                // from here on, this memory's later changes in the batch are diffed against what this one stored
                mayHaveMedia.add(memory);
                apply(transaction, record, change);
            } else if (record.value() instanceof UserErased erased) {
                erase(transaction, erased);
            }
            // anything else on the topic is not about media
        }
        Watermarks.advance(transaction, PROJECTION, SettledPositions.of(batch));
    }

    /** The memories of the batch's changes that reference media before the batch. */
    private static Set<MemoryKey> referencing(Handle h, List<ConsumerRecord<String, SpecificRecord>> batch) {
        List<MemoryChanged> changes = new ArrayList<>(batch.size());
        for (ConsumerRecord<String, SpecificRecord> record : batch) {
            if (record.value() instanceof MemoryChanged change) {
                changes.add(change);
            }
        }
        Set<MemoryKey> referencing = new HashSet<>();
        if (changes.isEmpty()) {
            return referencing;
        }
        String[] tenants = new String[changes.size()];
        String[] users = new String[changes.size()];
        UUID[] ids = new UUID[changes.size()];
        for (int i = 0; i < changes.size(); i++) {
            tenants[i] = changes.get(i).getTenantId();
            users[i] = changes.get(i).getUserId();
            ids[i] = changes.get(i).getMemoryId();
        }
        Daos.attach(h, MemoryMediaDao.class).referencing(tenants, users, ids)
                .forEach(m -> referencing.add(MemoryKey.of(m.tenantId(), m.userId(), m.memoryId())));
        return referencing;
    }

    /** The media the memory has after the change (none once it is deleted). */
    private static List<MediaRef> mediaOf(MemoryChanged change) {
        boolean live = change.getKind() == MemoryChangeKind.UPSERTED && change.getState() != null;
        return live && change.getState().getMedia() != null ? change.getState().getMedia() : List.of();
    }

    private void apply(Handle h, ConsumerRecord<String, SpecificRecord> record, MemoryChanged change) {
        String tenant = change.getTenantId();
        String user = change.getUserId();
        UUID memoryId = change.getMemoryId();
        Optional<Boolean> first = Daos.attach(h, MediaMemoryVersionsDao.class).claim(tenant, user, memoryId,
                change.getVersion());
        if (first.isEmpty()) {
            return; // a duplicate or an older version: applied already, deletions included
        }
        Map<String, String> current = first.get() ? Map.of() : references(h, tenant, user, memoryId);
        MediaPlan plan = MediaPlan.between(tenant, user, current, mediaOf(change));
        if (plan.changesNothing()) {
            return;
        }
        MemoryMediaDao references = Daos.attach(h, MemoryMediaDao.class);
        // Removed first: a media id whose hash changed is deleted here and inserted again below.
        plan.removed().forEach((mediaId, sha) -> references.delete(tenant, user, memoryId, mediaId));

        // Lock every media row this change touches in one hash order, the order all instances use.
        Map<String, MediaRef> addedBySha = new HashMap<>();
        plan.added().forEach(ref -> addedBySha.putIfAbsent(ref.getSha256(), ref));
        Set<String> touched = new TreeSet<>(addedBySha.keySet());
        touched.addAll(plan.removed().values());
        Set<String> locked = new HashSet<>();
        for (String sha : touched) {
            MediaRef ref = addedBySha.get(sha);
            if (ref != null) {
                insertAndLock(h, tenant, ref);
                locked.add(sha);
            } else if (lock(h, tenant, sha)) {
                locked.add(sha);
            }
        }

        // A reference that cannot be promoted leaves the memory's other media applied and the change
        // dead-lettered: applying what can be applied keeps the projection as close to the memory as possible,
        // and the unusable reference never had an object, so nothing has to be undone. The version is recorded
        // either way; a later change of the memory is diffed against what was actually stored.
        List<String> unusable = new ArrayList<>(plan.unusable());
        Set<String> unpromoted = new TreeSet<>();
        for (MediaRef ref : plan.added()) {
            try {
                if (objects.promote(ref, tenant)) {
                    promoted.increment();
                }
                references.insert(tenant, user, memoryId, ref.getMediaId(), ref.getSha256());
            } catch (MediaUnusable e) {
                unusable.add(ref.getMediaId() + ": " + e.getMessage());
                unpromoted.add(ref.getSha256());
            }
        }
        for (String sha : new TreeSet<>(plan.removed().values())) {
            if (locked.contains(sha)) {
                releaseIfUnreferenced(h, tenant, sha);
            }
        }
        for (String sha : unpromoted) {
            // the row inserted for it has no object (promotion failed before writing one): drop it if unused
            Daos.attach(h, MediaDao.class).deleteIfUnreferenced(tenant, sha);
        }
        for (String mediaId : plan.removed().keySet()) {
            boolean stillReferenced = references.mediaIdReferenced(tenant, user, mediaId);
            if (!stillReferenced) {
                // Ingest lets a memory reference a media id only while its staging exists: once none of the
                // user's memories does, the upload is forgotten with them.
                objects.deleteStaging(tenant, user, mediaId);
            }
        }
        if (!unusable.isEmpty()) {
            deadLetter(record, change, String.join("; ", unusable));
        }
    }

    /**
     * Drops what is left of the user after the DELETED changes that precede this event: normally only the
     * staging objects (uploads never referenced, or referenced by no memory any more); also, defensively, any
     * reference still stored, so that erasure does not depend on every deletion having been seen. The version
     * rows stay, as tombstones against replays.
     */
    private void erase(Handle h, UserErased erased) {
        String tenant = erased.getTenantId();
        String user = erased.getUserId();
        Set<String> shas = new TreeSet<>();
        Daos.attach(h, MemoryMediaDao.class).deleteOfUser(tenant, user).forEach(ref -> shas.add(ref.sha256()));
        for (String sha : shas) {
            if (lock(h, tenant, sha)) {
                releaseIfUnreferenced(h, tenant, sha);
            }
        }
        int staged = objects.deleteAllStaging(tenant, user);
        LOG.info("Erased the media of {}/{}: {} staged object(s), {} leftover reference(s)", tenant, user, staged,
                shas.size());
    }

    /** Deletes the object and the row of a hash (locked by the caller) that no memory of the tenant references. */
    private void releaseIfUnreferenced(Handle h, String tenant, String sha) {
        boolean referenced = Daos.attach(h, MemoryMediaDao.class).shaReferenced(tenant, sha);
        if (!referenced) {
            objects.deleteContent(tenant, sha);
            Daos.attach(h, MediaDao.class).deleteIfUnreferenced(tenant, sha);
            deleted.increment();
        }
    }

    /**
     * Ensures the hash's row exists and locks it. The loop covers a sink in another partition deleting the row
     * (the last reference went away there) between this insert finding it and this lock: the lock then finds no
     * row, and inserting again is right, because this memory is about to reference the hash.
     */
    private static void insertAndLock(Handle h, String tenant, MediaRef ref) {
        for (int attempt = 1; attempt <= MAX_LOCK_ATTEMPTS; attempt++) {
            Daos.attach(h, MediaDao.class).insert(tenant, ref.getSha256(), ref.getSize(), ref.getContentType(),
                    MediaObjects.contentKey(tenant, ref.getSha256()));
            if (lock(h, tenant, ref.getSha256())) {
                return;
            }
        }
        throw new IllegalStateException("media row " + tenant + "/" + ref.getSha256() + " keeps disappearing");
    }

    /**
     * Locks the hash's row; false when there is none. No row means no object either (they are deleted together),
     * and nothing must be deleted then: another instance may be inserting the row and promoting the object right
     * now, invisible to this transaction until it commits.
     */
    private static boolean lock(Handle h, String tenant, String sha) {
        return Daos.attach(h, MediaDao.class).lock(tenant, sha).isPresent();
    }

    private static Map<String, String> references(Handle h, String tenant, String user, UUID memoryId) {
        Map<String, String> references = new TreeMap<>();
        Daos.attach(h, MemoryMediaDao.class).ofMemory(tenant, user, memoryId)
                .forEach(ref -> references.put(ref.mediaId(), ref.sha256()));
        return references;
    }

    /** Synchronous: the change is only skipped once its dead letter is safely in Kafka. */
    private void deadLetter(ConsumerRecord<String, SpecificRecord> record, MemoryChanged change, String reason) {
        LOG.warn("Dead-lettering the change v{} of memory {}/{}/{} at {}-{}@{}: {}", change.getVersion(),
                change.getTenantId(), change.getUserId(), change.getMemoryId(), record.topic(), record.partition(),
                record.offset(), reason);
        deadLetters.publish(record.key(), change, DeadLetters.headers(record.topic(), record.partition(),
                record.offset(), MediaUnusable.class.getName(), reason, clock.instant()));
        deadLettered.increment();
    }
}
