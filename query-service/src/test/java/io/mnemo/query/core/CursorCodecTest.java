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
    void aCursorFromAnotherSecretIsRefused() {
        var other = new CursorCodec("another-secret-another-secret-xx".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> codec.decode(other.encode(cursor, "s"), "s")).isInstanceOf(InvalidQuery.class);
    }
}
