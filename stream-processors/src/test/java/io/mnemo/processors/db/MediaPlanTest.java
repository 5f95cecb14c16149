package io.mnemo.processors.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.schemas.changes.MediaRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MediaPlanTest {
    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);
    private static final String C = "c".repeat(64);

    private static MediaRef ref(String mediaId, String sha) {
        return ref(mediaId, sha, "staging/acme/alice/" + mediaId + "/00000000000000a1");
    }

    private static MediaRef ref(String mediaId, String sha, String stagingKey) {
        return MediaRef.newBuilder().setMediaId(mediaId).setSha256(sha).setSize(3).setContentType("image/png")
                .setStagingKey(stagingKey).build();
    }

    private static List<String> ids(List<MediaRef> refs) {
        return refs.stream().map(MediaRef::getMediaId).toList();
    }

    @Test
    void aNewMemoryAddsEveryReferenceInHashOrder() {
        MediaPlan plan = MediaPlan.between("acme", "alice", Map.of(),
                List.of(ref("med_3", C), ref("med_1", A), ref("med_2", B)));

        assertThat(ids(plan.added())).containsExactly("med_1", "med_2", "med_3");
        assertThat(plan.removed()).isEmpty();
        assertThat(plan.unusable()).isEmpty();
    }

    @Test
    void theSameReferencesAgainChangeNothing() {
        MediaPlan plan = MediaPlan.between("acme", "alice", Map.of("med_1", A, "med_2", B),
                List.of(ref("med_2", B), ref("med_1", A)));

        assertThat(plan.changesNothing()).isTrue();
    }

    @Test
    void aDeletionRemovesEveryReference() {
        MediaPlan plan = MediaPlan.between("acme", "alice", Map.of("med_2", B, "med_1", A), List.of());

        assertThat(plan.added()).isEmpty();
        assertThat(plan.removed()).containsExactly(Map.entry("med_1", A), Map.entry("med_2", B));
    }

    @Test
    void aRevisionAddsWhatIsNewAndRemovesWhatIsGone() {
        MediaPlan plan = MediaPlan.between("acme", "alice", Map.of("med_1", A, "med_2", B),
                List.of(ref("med_2", B), ref("med_3", C)));

        assertThat(ids(plan.added())).containsExactly("med_3");
        assertThat(plan.removed()).containsExactly(Map.entry("med_1", A));
    }

    @Test
    void aMediaIdWhoseBytesChangedIsRemovedAndAddedAgain() {
        MediaPlan plan = MediaPlan.between("acme", "alice", Map.of("med_1", A), List.of(ref("med_1", B)));

        assertThat(plan.added()).containsExactly(ref("med_1", B));
        assertThat(plan.removed()).containsExactly(Map.entry("med_1", A));
    }

    @Test
    void aMediaIdListedTwiceIsAddedOnce() {
        MediaPlan plan = MediaPlan.between("acme", "alice", Map.of(), List.of(ref("med_1", A), ref("med_1", A)));

        assertThat(ids(plan.added())).containsExactly("med_1");
    }

    @Test
    void malformedReferencesAreUnusableAndNeverAdded() {
        MediaRef badHash = ref("med_1", "A".repeat(64));
        MediaRef otherUsersUpload = ref("med_2", B, "staging/acme/mallory/med_2/00000000000000a1");
        MediaRef nestedKey = ref("med_3", C, "staging/acme/alice/med_3/x/y");

        MediaPlan plan = MediaPlan.between("acme", "alice", Map.of(), List.of(badHash, otherUsersUpload, nestedKey));

        assertThat(plan.added()).isEmpty();
        assertThat(plan.unusable()).hasSize(3)
                .anySatisfy(reason -> assertThat(reason).startsWith("med_1: sha256"))
                .anySatisfy(reason -> assertThat(reason).startsWith("med_2: staging key"))
                .anySatisfy(reason -> assertThat(reason).startsWith("med_3: staging key"));
    }

    @Test
    void aStoredReferenceThatBecameMalformedIsRemoved() {
        MediaRef badHash = ref("med_1", "not-a-hash");

        MediaPlan plan = MediaPlan.between("acme", "alice", Map.of("med_1", A), List.of(badHash));

        assertThat(plan.removed()).containsExactly(Map.entry("med_1", A));
        assertThat(plan.unusable()).hasSize(1);
    }
}
