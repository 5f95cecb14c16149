package io.mnemo.ingest.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class MediaSnifferTest {

    /** Bytes from hex pairs and 'quoted' ASCII, e.g. {@code "00 00 00 18 'ftypheic'"}. */
    static byte[] bytes(String spec) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < spec.length()) {
            char c = spec.charAt(i);
            if (c == ' ') {
                i++;
            } else if (c == '\'') {
                int end = spec.indexOf('\'', i + 1);
                out.writeBytes(spec.substring(i + 1, end).getBytes(StandardCharsets.ISO_8859_1));
                i = end + 1;
            } else {
                out.write(Integer.parseInt(spec.substring(i, i + 2), 16));
                i += 2;
            }
        }
        return out.toByteArray();
    }

    /** A head as the sniffer sees it for a long file: the magic, padded with binary to the full head size. */
    static byte[] head(String spec) {
        byte[] magic = bytes(spec);
        byte[] head = Arrays.copyOf(magic, MediaSniffer.HEAD_SIZE);
        for (int i = magic.length; i < head.length; i++) {
            head[i] = (byte) (i * 31 + 7); // arbitrary payload bytes, including NUL and invalid UTF-8
        }
        return head;
    }

    private static String sniff(String spec, String declared) {
        return MediaSniffer.contentType(head(spec), false, Optional.ofNullable(declared));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            jpeg (JFIF)           | FF D8 FF E0 00 10 'JFIF' 00                                     | image/jpeg
            jpeg (Exif)           | FF D8 FF E1 12 34 'Exif' 00 00                                  | image/jpeg
            png                   | 89 'PNG' 0D 0A 1A 0A 00 00 00 0D 'IHDR'                         | image/png
            gif87a                | 'GIF87a' 40 01 F0 00                                            | image/gif
            gif89a                | 'GIF89a' 01 00 01 00                                            | image/gif
            webp                  | 'RIFF' 24 5A 00 00 'WEBPVP8 '                                   | image/webp
            heic                  | 00 00 00 18 'ftypheic' 00 00 00 00 'mif1heic'                   | image/heic
            heif                  | 00 00 00 1C 'ftypmif1' 00 00 00 00 'mif1heic' 'miaf'            | image/heif
            mp3 with ID3v2        | 'ID3' 04 00 00 00 00 0F 76 'TIT2'                               | audio/mpeg
            mp3 frame sync        | FF FB 90 64 00 00 00 00                                         | audio/mpeg
            mp3 MPEG-2 frame sync | FF F3 48 C4 00 00                                               | audio/mpeg
            wav                   | 'RIFF' 24 08 00 00 'WAVEfmt ' 10 00 00 00 01 00                 | audio/wav
            ogg                   | 'OggS' 00 02 00 00 00 00 00 00 00 00                            | audio/ogg
            flac                  | 'fLaC' 00 00 00 22 10 00                                        | audio/flac
            m4a                   | 00 00 00 20 'ftypM4A ' 00 00 00 00 'M4A mp42isom' 00 00 00 00   | audio/mp4
            mp4                   | 00 00 00 20 'ftypisom' 00 00 02 00 'isomiso2avc1mp41'           | video/mp4
            mp4 (mp42)            | 00 00 00 18 'ftypmp42' 00 00 00 00 'mp42isom'                   | video/mp4
            quicktime             | 00 00 00 14 'ftypqt  ' 20 05 03 00 'qt  '                       | video/quicktime
            webm                  | 1A 45 DF A3 9F 42 86 81 01 42 F7 81 01 42 F2 81 04 42 F3 81 08 42 82 84 'webm' 42 87 | video/webm
            matroska              | 1A 45 DF A3 A3 42 86 81 01 42 F7 81 01 42 F2 81 04 42 F3 81 08 42 82 88 'matroska' | video/x-matroska
            pdf                   | '%PDF-1.7' 0A 25 E2 E3 CF D3                                    | application/pdf
            """)
    void recognisesEachAllowedTypeFromItsMagicBytes(String name, String magic, String expected) {
        assertThat(sniff(magic, null)).isEqualTo(expected);
        assertThat(sniff(magic, "application/octet-stream")).isEqualTo(expected);
        assertThat(sniff(magic, expected)).isEqualTo(expected);
    }

    @Test
    void recognisesUtf8PlainText() {
        byte[] text = "Walked by the river, 12 °C ✓ — ça va? 🙂\n".getBytes(StandardCharsets.UTF_8);

        assertThat(MediaSniffer.contentType(text, true, Optional.empty())).isEqualTo("text/plain");
        assertThat(MediaSniffer.contentType(text, true, Optional.of("text/plain; charset=utf-8")))
                .isEqualTo("text/plain");
        assertThat(MediaSniffer.contentType(text, true, Optional.of("text/markdown"))).isEqualTo("text/plain");
    }

    @Test
    void acceptsTextWhoseHeadEndsInsideACharacterWhenMoreFollows() {
        byte[] head = new byte[MediaSniffer.HEAD_SIZE];
        Arrays.fill(head, (byte) 'a');
        head[head.length - 1] = (byte) 0xE2; // first byte of a 3-byte character

        assertThat(MediaSniffer.contentType(head, false, Optional.empty())).isEqualTo("text/plain");
        assertThatThrownBy(() -> MediaSniffer.contentType(head, true, Optional.empty()))
                .isInstanceOf(UnsupportedMedia.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            windows executable     | 'MZ' 90 00 03 00 00 00 04 00 00 00 FF FF 00 00   | image/png
            elf executable         | 7F 'ELF' 02 01 01 00 00 00 00 00 00 00 00 00     | image/png
            zip archive            | 'PK' 03 04 14 00 00 00 08 00 21 00               | image/png
            java class             | CA FE BA BE 00 00 00 41                          | image/jpeg
            avif (not allowed)     | 00 00 00 1C 'ftypavif' 00 00 00 00 'avifmif1miaf' | image/heif
            avi (not allowed)      | 'RIFF' 00 10 00 00 'AVI LIST'                    | video/avi
            utf-16 text            | FF FE 'h' 00 'i' 00                              | text/plain
            aac adts (not mp3)     | FF F1 50 80 02 1F FC                             | audio/mpeg
            """)
    void refusesDisguisedAndUnknownFiles(String name, String magic, String declared) {
        assertThatThrownBy(() -> sniff(magic, declared)).isInstanceOf(UnsupportedMedia.class)
                .hasMessageContaining("none of the allowed");
        assertThatThrownBy(() -> sniff(magic, null)).isInstanceOf(UnsupportedMedia.class);
    }

    @ParameterizedTest(name = "{1} declared for {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            '%PDF-1.4'                     | image/png
            89 'PNG' 0D 0A 1A 0A           | image/jpeg
            FF D8 FF E0 00 10 'JFIF' 00    | application/pdf
            'ID3' 04 00 00 00 00           | video/mp4
            00 00 00 20 'ftypisom' 00 00 02 00 'isomiso2avc1mp41' | image/*
            89 'PNG' 0D 0A 1A 0A           | application/zip
            """)
    void refusesBytesThatContradictASpecificDeclaredType(String magic, String declared) {
        assertThatThrownBy(() -> sniff(magic, declared)).isInstanceOf(UnsupportedMedia.class)
                .hasMessageContaining("declared " + declared);
    }

    @Test
    void refusesTextDeclaredAsAnImage() {
        byte[] text = "just words".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> MediaSniffer.contentType(text, true, Optional.of("image/png")))
                .isInstanceOf(UnsupportedMedia.class).hasMessageContaining("text/plain");
    }

    @Test
    void refusesTextWithNulOrInvalidUtf8() {
        assertThatThrownBy(() -> MediaSniffer.contentType(bytes("'abc' 00 'def'"), true, Optional.empty()))
                .isInstanceOf(UnsupportedMedia.class);
        assertThatThrownBy(() -> MediaSniffer.contentType(bytes("'caf' E9"), true, Optional.empty()))
                .as("Latin-1, not UTF-8").isInstanceOf(UnsupportedMedia.class);
        assertThatThrownBy(() -> MediaSniffer.contentType(bytes("C0 AF"), true, Optional.empty()))
                .as("overlong").isInstanceOf(UnsupportedMedia.class);
        assertThatThrownBy(() -> MediaSniffer.contentType(bytes("ED A0 80"), true, Optional.empty()))
                .as("surrogate").isInstanceOf(UnsupportedMedia.class);
    }

    @Test
    void theDeclaredTypeChoosesAmongWhatTheContainerCanHold() {
        String mp4 = "00 00 00 20 'ftypisom' 00 00 02 00 'isomiso2avc1mp41'";

        assertThat(sniff(mp4, "audio/mp4")).isEqualTo("audio/mp4");
        assertThat(sniff(mp4, "audio/x-m4a")).isEqualTo("audio/mp4");
        assertThat(sniff(mp4, "video/*")).isEqualTo("video/mp4");
        assertThat(sniff("1A 45 DF A3 9F 42 82 84 'webm'", "audio/webm")).isEqualTo("audio/webm");
    }

    @Test
    void aliasesCaseAndParametersOfTheDeclaredTypeAreTolerated() {
        assertThat(sniff("FF D8 FF DB", "image/jpg")).isEqualTo("image/jpeg");
        assertThat(sniff("89 'PNG' 0D 0A 1A 0A", " IMAGE/PNG ; name=x.png")).isEqualTo("image/png");
        assertThat(sniff("'ID3' 03 00", "audio/mp3")).isEqualTo("audio/mpeg");
        assertThat(sniff("'RIFF' 00 00 00 00 'WAVE'", "audio/x-wav")).isEqualTo("audio/wav");
        assertThat(sniff("89 'PNG' 0D 0A 1A 0A", "image/*")).isEqualTo("image/png");
    }
}
