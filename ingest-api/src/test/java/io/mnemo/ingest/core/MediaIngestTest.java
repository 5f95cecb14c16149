package io.mnemo.ingest.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class MediaIngestTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final TenantId TENANT = new TenantId("acme");
    private static final UserId ALICE = new UserId("alice");
    private static final Duration RETRY_AFTER = Duration.ofSeconds(3);
    private static final byte[] PNG = pngOf(4000);

    /** Records published events and answers with the configured outcome, like MemoryIngest.publishDurably. */
    static final class FakeLog implements MediaIngest.DurableLog {
        final List<MemoryEvent> published = new ArrayList<>();
        RuntimeException failure;

        @Override
        public LogPosition publishDurably(MemoryEvent event, Provenance provenance) {
            if (failure != null) {
                throw failure;
            }
            published.add(event);
            return new LogPosition(1, published.size());
        }
    }

    /** Users erased so far; everyone else may be written to. */
    static final class ErasedUsers implements UserKeys {
        final java.util.Set<UserId> erased = new java.util.HashSet<>();

        @Override
        public void requireWritable(TenantId tenant, UserId user) {
            if (erased.contains(user)) {
                throw new UserGone(user);
            }
        }

        @Override
        public void erase(TenantId tenant, UserId user) {
            erased.add(user);
        }
    }

    private final FakeMediaStore store = new FakeMediaStore();
    private final FakeLog log = new FakeLog();
    private final ErasedUsers users = new ErasedUsers();
    private final MediaIngest ingest = new MediaIngest(store, log, users, Clock.fixed(NOW, ZoneOffset.UTC), 10_000,
            4, RETRY_AFTER);

    static byte[] pngOf(int size) {
        byte[] png = new byte[size];
        byte[] magic = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
        System.arraycopy(magic, 0, png, 0, magic.length);
        for (int i = magic.length; i < size; i++) {
            png[i] = (byte) (i * 13);
        }
        return png;
    }

    private static StageMedia command(UserId user, byte[] body, String declared, String key) {
        return new StageMedia(TENANT, user, Optional.ofNullable(declared), OptionalLong.empty(),
                Optional.ofNullable(key).map(IdempotencyKey::new), new ByteArrayInputStream(body));
    }

    private MediaIngest.Staged stage(byte[] body, String declared, String key) {
        return ingest.stage(command(ALICE, body, declared, key), Provenance.NONE);
    }

    @Test
    void stagesTheBytesAndPublishesMediaStagedWithTheirHashSizeAndSniffedType() throws Exception {
        MediaIngest.Staged staged = stage(PNG, "application/octet-stream", null);

        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(PNG));
        assertThat(staged.mediaId().value()).matches(MediaId.PATTERN);
        assertThat(staged.sha256()).isEqualTo(sha256);
        assertThat(staged.size()).isEqualTo(PNG.length);
        assertThat(staged.contentType()).isEqualTo("image/png");
        assertThat(store.objects).hasSize(1);
        String key = store.objects.keySet().iterator().next();
        assertThat(key).matches("staging/acme/alice/" + staged.mediaId().value() + "/[0-9a-f]{16}");
        assertThat(store.objects.get(key).bytes()).isEqualTo(PNG);
        assertThat(store.objects.get(key).contentType()).isEqualTo("image/png");
        assertThat(log.published).singleElement().isInstanceOfSatisfying(MediaStaged.class, event -> {
            assertThat(event.mediaId()).isEqualTo(staged.mediaId());
            assertThat(event.sha256()).isEqualTo(sha256);
            assertThat(event.size()).isEqualTo(PNG.length);
            assertThat(event.contentType()).isEqualTo("image/png");
            assertThat(event.bucket()).isEqualTo("fake-bucket");
            assertThat(event.stagingKey()).isEqualTo(key);
            assertThat(event.recordedAt()).isEqualTo(NOW);
            assertThat(event.tenant()).isEqualTo(TENANT);
            assertThat(event.user()).isEqualTo(ALICE);
        });
    }

    @Test
    void anErasedUsersUploadIsRefusedBeforeAByteIsStagedOrPublished() {
        users.erase(TENANT, ALICE);
        InputStream unread = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("the body of an erased user's upload was read");
            }
        };

        assertThatThrownBy(() -> ingest.stage(new StageMedia(TENANT, ALICE, Optional.empty(), OptionalLong.empty(),
                Optional.empty(), unread), Provenance.NONE)).isInstanceOf(UserGone.class);

        assertThat(store.objects).isEmpty();
        assertThat(log.published).isEmpty();
    }

    @Test
    void storesTextWithItsCharset() {
        MediaIngest.Staged staged = stage("a note".getBytes(StandardCharsets.UTF_8), null, null);

        assertThat(staged.contentType()).isEqualTo("text/plain");
        assertThat(store.objects.values()).singleElement()
                .satisfies(o -> assertThat(o.contentType()).isEqualTo("text/plain; charset=utf-8"));
    }

    @Test
    void anEmptyBodyIsInvalidInput() {
        assertThatThrownBy(() -> stage(new byte[0], "image/png", null)).isInstanceOfSatisfying(InvalidInput.class,
                e -> assertThat(e.field()).isEqualTo("body"));
        assertThat(store.puts).isZero();
        assertThat(log.published).isEmpty();
    }

    @Test
    void aDeclaredLengthAboveTheCapIsRefusedWithoutReadingTheBody() {
        InputStream unreadable = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("must not be read");
            }
        };
        StageMedia command = new StageMedia(TENANT, ALICE, Optional.of("image/png"), OptionalLong.of(10_001),
                Optional.empty(), unreadable);

        assertThatThrownBy(() -> ingest.stage(command, Provenance.NONE)).isInstanceOf(PayloadTooLarge.class);
        assertThat(store.puts).isZero();
    }

    @Test
    void aBodyGrowingPastTheCapLeavesNothingStoredOrPublished() {
        assertThatThrownBy(() -> stage(pngOf(10_001), null, null)).isInstanceOf(PayloadTooLarge.class);

        assertThat(store.objects).isEmpty();
        assertThat(log.published).isEmpty();
    }

    @Test
    void aDisguisedFileIsRefusedBeforeAnythingIsStored() {
        byte[] exe = Arrays.copyOf(new byte[] {'M', 'Z', (byte) 0x90, 0, 3, 0}, 2000);

        assertThatThrownBy(() -> stage(exe, "image/png", null)).isInstanceOf(UnsupportedMedia.class);
        assertThatThrownBy(() -> stage("%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII), "image/png", null))
                .isInstanceOf(UnsupportedMedia.class);
        assertThat(store.puts).isZero();
        assertThat(log.published).isEmpty();
    }

    @Test
    void textThatTurnsBinaryAfterTheSniffedHeadLeavesNothingStored() {
        byte[] body = new byte[5000];
        Arrays.fill(body, (byte) 'a');
        body[4000] = 0;

        assertThatThrownBy(() -> stage(body, "text/plain", null)).isInstanceOf(UnsupportedMedia.class);
        assertThat(store.objects).isEmpty();
    }

    @Test
    void anUnreachableStoreIsUnavailableWithRetryAfterAndNothingIsPublished() {
        store.unreachable = true;

        assertThatThrownBy(() -> stage(PNG, null, null)).isInstanceOfSatisfying(MediaStorageUnavailable.class,
                e -> assertThat(e.retryAfter()).isEqualTo(RETRY_AFTER));
        assertThat(log.published).isEmpty();
    }

    @Test
    void anAmbiguousPublishFailureKeepsTheStagedObject() {
        // a timeout: the broker may have written the event, which would then point at this object
        log.failure = new IngestUnavailable("no ack in time", RETRY_AFTER, new TimeoutException());

        assertThatThrownBy(() -> stage(PNG, null, "upload-1")).isSameAs(log.failure);
        assertThat(store.puts).isEqualTo(1);
        assertThat(store.objects.values()).singleElement()
                .satisfies(o -> assertThat(o.bytes()).isEqualTo(PNG));
    }

    @Test
    void aRefusedPublishRemovesOnlyThisAttemptsObject() {
        MediaIngest.Staged first = stage(PNG, null, "upload-1");
        String firstKey = ((MediaStaged) log.published.get(0)).stagingKey();
        byte[] other = pngOf(5000);

        log.failure = new IngestUnavailable("circuit open", RETRY_AFTER,
                CallNotPermittedException.createCallNotPermittedException(CircuitBreaker.ofDefaults("log")));
        assertThatThrownBy(() -> stage(other, null, "upload-1")).isSameAs(log.failure);
        log.failure = new IngestOverloaded("too many writes", RETRY_AFTER);
        assertThatThrownBy(() -> stage(other, null, "upload-1")).isSameAs(log.failure);

        assertThat(store.puts).isEqualTo(3);
        assertThat(store.objects).containsOnlyKeys(firstKey);
        assertThat(store.objects.get(firstKey).bytes()).isEqualTo(PNG);
        assertThat(firstKey).startsWith(MediaStore.stagingPrefix(TENANT, ALICE, first.mediaId()));
    }

    @Test
    void theSameIdempotencyKeyGivesTheSameMediaIdAndEventIdForTheSameUserOnly() {
        MediaIngest.Staged first = stage(PNG, null, "photo-7");
        MediaIngest.Staged retry = stage(PNG, null, "photo-7");
        MediaIngest.Staged otherKey = stage(PNG, null, "photo-8");
        MediaIngest.Staged otherUser = ingest.stage(command(new UserId("bob"), PNG, null, "photo-7"),
                Provenance.NONE);

        assertThat(retry.mediaId()).isEqualTo(first.mediaId());
        MediaStaged firstEvent = (MediaStaged) log.published.get(0);
        MediaStaged retryEvent = (MediaStaged) log.published.get(1);
        assertThat(retryEvent.eventId()).isEqualTo(firstEvent.eventId());
        // each attempt has its own object: the retry neither overwrote nor removed the first one
        assertThat(retryEvent.stagingKey()).isNotEqualTo(firstEvent.stagingKey());
        assertThat(store.objects).containsKeys(firstEvent.stagingKey(), retryEvent.stagingKey());
        assertThat(List.of(firstEvent.stagingKey(), retryEvent.stagingKey()))
                .allSatisfy(k -> assertThat(k).startsWith(MediaStore.stagingPrefix(TENANT, ALICE, first.mediaId())));
        assertThat(otherKey.mediaId()).isNotEqualTo(first.mediaId());
        assertThat(otherUser.mediaId()).isNotEqualTo(first.mediaId());
        assertThat(stage(PNG, null, null).mediaId()).isNotEqualTo(stage(PNG, null, null).mediaId());
    }

    /** An ingest whose store starts the given upload while the first one holds its permits. */
    private List<Throwable> nestedUploadOutcome(int maxConcurrent, int perTenant, StageMedia nestedUpload,
                                                List<MediaIngest.Staged> staged) {
        List<Throwable> nested = new ArrayList<>();
        FakeMediaStore reentrant = new FakeMediaStore();
        MediaIngest[] self = new MediaIngest[1];
        MediaStore store = new MediaStore() {
            @Override
            public String bucket() {
                return "b";
            }

            @Override
            public void put(String key, String contentType, InputStream body) throws IOException {
                if (key.contains("/first/")) {
                    try {
                        staged.add(self[0].stage(nestedUpload, Provenance.NONE));
                    } catch (RuntimeException e) {
                        nested.add(e);
                    }
                }
                reentrant.put(key, contentType, body);
            }

            @Override
            public boolean anyUnder(String prefix) {
                return reentrant.anyUnder(prefix);
            }

            @Override
            public void delete(String key) {
                reentrant.delete(key);
            }
        };
        self[0] = new MediaIngest(store, log, users, Clock.fixed(NOW, ZoneOffset.UTC), 10_000, maxConcurrent, perTenant,
                RETRY_AFTER);
        staged.add(self[0].stage(command(new UserId("first"), PNG, null, null), Provenance.NONE));
        return nested;
    }

    private static StageMedia commandOf(TenantId tenant, String user) {
        return new StageMedia(tenant, new UserId(user), Optional.empty(), OptionalLong.empty(), Optional.empty(),
                new ByteArrayInputStream(PNG));
    }

    @Test
    void uploadsBeyondTheConcurrencyLimitAreRefusedAtOnce() {
        // another tenant's upload starts while the first holds the instance's only permit
        List<MediaIngest.Staged> staged = new ArrayList<>();
        List<Throwable> nested = nestedUploadOutcome(1, 1, commandOf(new TenantId("other"), "bob"), staged);

        assertThat(nested).singleElement().isInstanceOf(MediaStorageUnavailable.class);
        assertThat(log.published).hasSize(1);
    }

    @Test
    void aTenantsUploadBeyondItsOwnCapIsRefusedAtOnceWithoutReadingTheBody() {
        List<MediaIngest.Staged> staged = new ArrayList<>();
        StageMedia second = commandOf(TENANT, "bob");
        List<Throwable> nested = nestedUploadOutcome(4, 1, second, staged);

        assertThat(nested).singleElement().isInstanceOfSatisfying(TooManyUploads.class, refused -> {
            assertThat(refused.limit()).isEqualTo(1);
            assertThat(refused.retryAfter()).isEqualTo(RETRY_AFTER);
        });
        assertThat(log.published).hasSize(1);
        assertThat(staged).hasSize(1);
    }

    @Test
    void anotherTenantUploadsWhileATenantIsAtItsCap() {
        List<MediaIngest.Staged> staged = new ArrayList<>();
        List<Throwable> nested = nestedUploadOutcome(4, 1, commandOf(new TenantId("other"), "bob"), staged);

        assertThat(nested).isEmpty();
        assertThat(staged).hasSize(2);
        assertThat(log.published).hasSize(2);
    }

    @Test
    void aTenantsPermitIsReturnedWhenItsUploadFails() {
        MediaIngest ingest = new MediaIngest(store, log, users, Clock.fixed(NOW, ZoneOffset.UTC), 10_000, 4, 1,
                RETRY_AFTER);
        log.failure = new IngestUnavailable("log down", RETRY_AFTER, new TimeoutException());
        assertThatThrownBy(() -> ingest.stage(command(ALICE, PNG, null, null), Provenance.NONE))
                .isInstanceOf(IngestUnavailable.class);
        log.failure = null;

        assertThat(ingest.stage(command(ALICE, PNG, null, null), Provenance.NONE).size()).isEqualTo(PNG.length);
    }
}
