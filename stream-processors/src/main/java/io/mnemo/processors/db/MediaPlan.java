package io.mnemo.processors.db;

import io.mnemo.processors.s3.MediaObjects;
import io.mnemo.schemas.changes.MediaRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What one change does to a memory's media references: which references to add (in hash order, the order every
 * sink instance locks media rows in), which to remove, and which the change makes that can never be promoted.
 * Pure: the media sink decides here and acts in {@link MediaProjectionWriter}.
 *
 * @param added    references the memory gains, sorted by SHA-256 then media id
 * @param removed  media id → SHA-256 of the references the memory loses, sorted by media id
 * @param unusable why each malformed reference is left out, e.g. {@code "med_…: sha256 is not 64 hex digits"}
 */
record MediaPlan(List<MediaRef> added, Map<String, String> removed, List<String> unusable) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /**
     * @param current mediaId → SHA-256 of the references stored for the memory
     * @param desired the memory's media after the change (empty for a deletion)
     */
    static MediaPlan between(String tenant, String user, Map<String, String> current, List<MediaRef> desired) {
        Map<String, MediaRef> wanted = new LinkedHashMap<>();
        List<String> unusable = new ArrayList<>();
        for (MediaRef ref : desired) {
            String problem = problem(tenant, user, ref);
            if (problem != null) {
                unusable.add(ref.getMediaId() + ": " + problem);
            } else {
                wanted.putIfAbsent(ref.getMediaId(), ref);
            }
        }
        List<MediaRef> added = new ArrayList<>();
        for (MediaRef ref : wanted.values()) {
            if (!ref.getSha256().equals(current.get(ref.getMediaId()))) {
                added.add(ref);
            }
        }
        added.sort(Comparator.comparing(MediaRef::getSha256).thenComparing(MediaRef::getMediaId));
        Map<String, String> removed = new TreeMap<>();
        current.forEach((mediaId, sha) -> {
            MediaRef ref = wanted.get(mediaId);
            // A media id whose bytes changed is removed, then added with its new hash.
            if (ref == null || !ref.getSha256().equals(sha)) {
                removed.put(mediaId, sha);
            }
        });
        return new MediaPlan(List.copyOf(added), removed, List.copyOf(unusable));
    }

    boolean changesNothing() {
        return added.isEmpty() && removed.isEmpty() && unusable.isEmpty();
    }

    /**
     * Why a reference can never be applied, or null. The hash must fit the {@code media} table's check (or every
     * retry of the batch would fail on it), and the staged object must be this user's upload of this media id:
     * the sink copies whatever the staging key names, so it must not be able to name another user's bytes.
     */
    static String problem(String tenant, String user, MediaRef ref) {
        if (ref.getMediaId().isEmpty() || ref.getMediaId().indexOf('/') >= 0) {
            return "media id is empty or contains '/'";
        }
        if (!SHA256.matcher(ref.getSha256()).matches()) {
            return "sha256 '" + ref.getSha256() + "' is not 64 lowercase hex digits";
        }
        if (ref.getSize() < 0) {
            return "size " + ref.getSize() + " is negative";
        }
        String prefix = MediaObjects.stagingPrefix(tenant, user, ref.getMediaId());
        String key = ref.getStagingKey();
        if (!key.startsWith(prefix) || key.length() == prefix.length() || key.indexOf('/', prefix.length()) >= 0) {
            return "staging key '" + key + "' is not an upload attempt under " + prefix;
        }
        return null;
    }
}
