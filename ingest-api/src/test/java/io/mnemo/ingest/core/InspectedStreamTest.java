package io.mnemo.ingest.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class InspectedStreamTest {

    private static InspectedStream inspect(byte[] body, long max, boolean text) {
        return new InspectedStream(new ByteArrayInputStream(body), max, text);
    }

    @Test
    void hashesAndCountsWhatPassesThrough() throws IOException {
        InspectedStream stream = inspect("abc".getBytes(StandardCharsets.US_ASCII), 10, false);

        assertThat(stream.readAllBytes()).hasSize(3);
        assertThat(stream.size()).isEqualTo(3);
        assertThat(stream.isFullyRead()).isTrue();
        assertThat(stream.sha256Hex())
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
                .as("stable when asked twice").isEqualTo(stream.sha256Hex());
    }

    @Test
    void hashesALargeBodyReadInOddChunksLikeOneDigestOfTheWhole() throws Exception {
        byte[] body = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 7919);
        }
        InspectedStream stream = inspect(body, body.length, false);
        byte[] chunk = new byte[8191];
        long total = 0;
        for (int n; (n = stream.read(chunk, 0, 1 + (int) (total % chunk.length))) >= 0; ) {
            total += n;
        }
        assertThat(stream.read()).isEqualTo(-1);

        assertThat(total).isEqualTo(body.length);
        assertThat(stream.sha256Hex()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(body)));
    }

    @Test
    void aBodyOfExactlyTheCapPasses() throws IOException {
        InspectedStream stream = inspect(new byte[1000], 1000, false);

        stream.transferTo(OutputStream.nullOutputStream());

        assertThat(stream.size()).isEqualTo(1000);
    }

    @Test
    void readingPastTheCapFailsWithoutReadingTheRest() {
        InfiniteStream source = new InfiniteStream();
        InspectedStream stream = new InspectedStream(source, 1000, false);

        assertThatThrownBy(() -> stream.transferTo(OutputStream.nullOutputStream()))
                .isInstanceOf(PayloadTooLarge.class).hasMessageContaining("1000 bytes");
        assertThat(source.served).isLessThan(1000 + 16 * 1024);
        assertThatThrownBy(stream::sha256Hex).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void skipStillHashesTheSkippedBytes() throws IOException {
        byte[] body = "0123456789".getBytes(StandardCharsets.US_ASCII);
        InspectedStream stream = inspect(body, 100, false);

        assertThat(stream.skip(4)).isEqualTo(4);
        stream.readAllBytes();

        assertThat(stream.size()).isEqualTo(10);
    }

    @Test
    void textMustStayUtf8WithoutNulToTheEnd() {
        byte[] late = new byte[10_000];
        java.util.Arrays.fill(late, (byte) 'a');
        late[9_000] = 0;
        assertThatThrownBy(() -> inspect(late, 100_000, true).readAllBytes()).isInstanceOf(UnsupportedMedia.class);

        byte[] cut = "ok \u00e9".getBytes(StandardCharsets.UTF_8);
        byte[] truncated = java.util.Arrays.copyOf(cut, cut.length - 1);
        assertThatThrownBy(() -> inspect(truncated, 100, true).readAllBytes())
                .isInstanceOf(UnsupportedMedia.class).hasMessageContaining("ends inside");
    }

    @Test
    void binaryIsNotCheckedAsText() throws IOException {
        byte[] binary = {(byte) 0x89, 0, (byte) 0xFF, 0};

        assertThat(inspect(binary, 100, false).readAllBytes()).hasSize(4);
    }

    /** Endless zeros, counting how many it served. */
    private static final class InfiniteStream extends InputStream {
        long served;

        @Override
        public int read() {
            served++;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            served += len;
            return len;
        }
    }
}
