package io.mnemo.query.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CursorCodecTest {
    private final CursorCodec codec = new CursorCodec("a-test-secret-of-32-bytes-length".getBytes(StandardCharsets.UTF_8));
    private final Cursor cursor = new Cursor(Instant.parse("2026-10-01T08:00:00.123456Z"), UUID.randomUUID());

    @Test
    void roundTripsToTheSamePositionWithMicrosecondPrecision() {
        assertThat(codec.decode(codec.encode(cursor, "acme\nalice"), "acme\nalice")).isEqualTo(cursor);
    }

    @Test
    void refusesACursorIssuedForAnotherUserOrTenant() {
        String token = codec.encode(cursor, "acme\nalice");
        assertThatThrownBy(() -> codec.decode(token, "acme\nbob")).isInstanceOf(InvalidQuery.class);
        assertThatThrownBy(() -> codec.decode(token, "other\nalice")).isInstanceOf(InvalidQuery.class);
    }

    @Test
    void refusesATamperedOrGarbageCursor() {
        byte[] bytes = Base64.getUrlDecoder().decode(codec.encode(cursor, "s"));
        bytes[3] ^= 1;
        String tampered = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        assertThatThrownBy(() -> codec.decode(tampered, "s")).isInstanceOf(InvalidQuery.class);
        assertThatThrownBy(() -> codec.decode("not a cursor!", "s")).isInstanceOf(InvalidQuery.class);
        assertThatThrownBy(() -> codec.decode("AAAA", "s")).isInstanceOf(InvalidQuery.class);
    }

    @Test
    void cursorsEncodedAndDecodedOnManyThreadsAtOnceStayValid() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            var results = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
            for (int t = 0; t < 8; t++) {
                String scope = "acme\nuser-" + t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        Cursor c = new Cursor(cursor.occurredAt().plusMillis(i), UUID.randomUUID());
                        if (!codec.decode(codec.encode(c, scope), scope).equals(c)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (var result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCursorFromAnotherSecretIsRefused() {
        var other = new CursorCodec("another-secret-another-secret-xx".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> codec.decode(other.encode(cursor, "s"), "s")).isInstanceOf(InvalidQuery.class);
    }
}
