package io.mnemo.ingest.core;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MediaReferencesTest {
    private static final TenantId ACME = new TenantId("acme");
    private static final UserId ALICE = new UserId("alice");
    private static final MediaId PHOTO = MediaId.random();

    private final FakeMediaStore store = new FakeMediaStore();
    private final MediaReferences references = new MediaReferences(store, Duration.ofSeconds(2));

    @Test
    void acceptsMediaStagedByTheSameTenantAndUserUnderAnyAttempt() {
        store.stage(ACME, ALICE, PHOTO, "00000000000000a1");
        store.stage(ACME, ALICE, PHOTO, "00000000000000a2");

        assertThatCode(() -> references.requireOwned(ACME, ALICE, List.of(PHOTO.value(), PHOTO.value())))
                .doesNotThrowAnyException();
        assertThatCode(() -> references.requireOwned(ACME, ALICE, List.of())).doesNotThrowAnyException();
    }

    @Test
    void refusesMediaOfAnotherUserOrTenantOrNeverStaged() {
        store.stage(ACME, new UserId("bob"), PHOTO, "00000000000000b1");
        MediaId otherTenants = MediaId.random();
        store.stage(new TenantId("globex"), ALICE, otherTenants, "00000000000000c1");

        for (MediaId id : List.of(PHOTO, otherTenants, MediaId.random())) {
            assertThatThrownBy(() -> references.requireOwned(ACME, ALICE, List.of(id.value())))
                    .isInstanceOfSatisfying(InvalidInput.class,
                            e -> org.assertj.core.api.Assertions.assertThat(e.field()).isEqualTo("mediaIds"));
        }
    }

    @Test
    void refusesMalformedIdsWithoutLookingThemUp() {
        store.unreachable = true;

        assertThatThrownBy(() -> references.requireOwned(ACME, ALICE, List.of("med_../../etc")))
                .isInstanceOf(InvalidInput.class);
    }

    @Test
    void anUnreachableStoreMakesTheWriteUnavailableNotInvalid() {
        store.unreachable = true;

        assertThatThrownBy(() -> references.requireOwned(ACME, ALICE, List.of(PHOTO.value())))
                .isInstanceOf(IngestUnavailable.class);
    }
}
