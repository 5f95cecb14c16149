package io.mnemo.ingest.core;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides the content type of an upload from its first bytes (magic numbers), against the allow-list of ARCHITECTURE
 * §6: images, audio, video, PDF and UTF-8 plain text. The declared {@code Content-Type} is only a hint: a specific
 * one that contradicts the bytes is refused, so a file cannot be smuggled in under an innocent name, and what is
 * stored and reported is always the sniffed type.
 */
public final class MediaSniffer {
    /** How many leading bytes the sniffer wants (container headers and the text check need no more). */
    public static final int HEAD_SIZE = 1024;

    public static final String TEXT_PLAIN = "text/plain";

    /** Declared types that make no claim about the content. */
    private static final Set<String> GENERIC = Set.of("", "application/octet-stream", "binary/octet-stream",
            "application/x-binary", "application/unknown", "*/*");

    /** Other names clients use for an allowed type, mapped to the name Mnemo stores. */
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("image/jpg", "image/jpeg"), Map.entry("image/pjpeg", "image/jpeg"),
            Map.entry("image/x-png", "image/png"),
            Map.entry("image/heic-sequence", "image/heic"), Map.entry("image/heif-sequence", "image/heif"),
            Map.entry("audio/mp3", "audio/mpeg"), Map.entry("audio/mpeg3", "audio/mpeg"),
            Map.entry("audio/x-mpeg", "audio/mpeg"), Map.entry("audio/x-mp3", "audio/mpeg"),
            Map.entry("audio/mpg", "audio/mpeg"),
            Map.entry("audio/x-wav", "audio/wav"), Map.entry("audio/wave", "audio/wav"),
            Map.entry("audio/vnd.wave", "audio/wav"),
            Map.entry("application/ogg", "audio/ogg"), Map.entry("audio/x-ogg", "audio/ogg"),
            Map.entry("audio/vorbis", "audio/ogg"), Map.entry("audio/opus", "audio/ogg"),
            Map.entry("audio/x-flac", "audio/flac"),
            Map.entry("audio/x-m4a", "audio/mp4"), Map.entry("audio/m4a", "audio/mp4"),
            Map.entry("video/x-m4v", "video/mp4"),
            Map.entry("video/mkv", "video/x-matroska"), Map.entry("video/matroska", "video/x-matroska"),
            Map.entry("audio/matroska", "audio/x-matroska"),
            Map.entry("application/x-pdf", "application/pdf"),
            Map.entry("text/markdown", TEXT_PLAIN), Map.entry("text/csv", TEXT_PLAIN));

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] EBML = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3};

    private static final Set<String> HEIC_BRANDS = Set.of("heic", "heix", "heim", "heis", "hevc", "hevx", "hevm",
            "hevs");
    private static final Set<String> HEIF_BRANDS = Set.of("mif1", "msf1");
    private static final Set<String> M4A_BRANDS = Set.of("M4A ", "M4B ", "M4P ");
    private static final Set<String> MP4_BRANDS = Set.of("isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7",
            "iso8", "iso9", "mp41", "mp42", "mp71", "avc1", "dash", "M4V ", "M4VH", "M4VP", "f4v ", "MSNV", "XAVC");
    /** ISO-BMFF brands of types outside the allow-list that also list allowed brands as compatible. */
    private static final Set<String> REFUSED_BRANDS = Set.of("avif", "avis");

    private MediaSniffer() {
    }

    /**
     * The content type to store for an upload.
     *
     * @param head      the first bytes of the body ({@link #HEAD_SIZE} of them, fewer only when that is the whole body)
     * @param wholeBody whether {@code head} is the entire body (then a text check needs no continuation)
     * @param declared  the request's Content-Type, if any (parameters such as charset are ignored)
     * @throws UnsupportedMedia when the bytes are of no allowed type, or contradict a specific declared type
     */
    public static String contentType(byte[] head, boolean wholeBody, Optional<String> declared) {
        List<String> candidates = candidates(head, wholeBody);
        if (candidates.isEmpty()) {
            throw new UnsupportedMedia("the content is none of the allowed media types (images, audio, video, PDF, "
                    + "UTF-8 plain text)");
        }
        String claim = declared.map(MediaSniffer::normalize).orElse("");
        if (GENERIC.contains(claim)) {
            return candidates.get(0);
        }
        if (claim.endsWith("/*")) {
            String family = claim.substring(0, claim.length() - 1);
            return candidates.stream().filter(type -> type.startsWith(family)).findFirst()
                    .orElseThrow(() -> mismatch(claim, candidates));
        }
        String canonical = ALIASES.getOrDefault(claim, claim);
        if (candidates.contains(canonical)) {
            return canonical;
        }
        throw mismatch(claim, candidates);
    }

    /**
     * The allowed types the bytes can be, most likely first: a container such as MP4 or Matroska carries audio or
     * video, and the declared type picks among them. Empty when no allowed type matches.
     */
    static List<String> candidates(byte[] head, boolean wholeBody) {
        if (startsWith(head, 0, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF})) {
            return List.of("image/jpeg");
        }
        if (startsWith(head, 0, PNG)) {
            return List.of("image/png");
        }
        if (ascii(head, 0, "GIF87a") || ascii(head, 0, "GIF89a")) {
            return List.of("image/gif");
        }
        if (ascii(head, 0, "RIFF") && ascii(head, 8, "WEBP")) {
            return List.of("image/webp");
        }
        if (ascii(head, 0, "RIFF") && ascii(head, 8, "WAVE")) {
            return List.of("audio/wav");
        }
        if (ascii(head, 4, "ftyp")) {
            return isoMedia(head);
        }
        if (startsWith(head, 0, EBML)) {
            return matroska(head);
        }
        if (ascii(head, 0, "OggS")) {
            return List.of("audio/ogg", "video/ogg");
        }
        if (ascii(head, 0, "fLaC")) {
            return List.of("audio/flac");
        }
        if (ascii(head, 0, "ID3") || isMp3FrameHeader(head)) {
            return List.of("audio/mpeg");
        }
        if (ascii(head, 0, "%PDF-")) {
            return List.of("application/pdf");
        }
        Utf8Validator text = new Utf8Validator();
        boolean valid = text.feed(head, 0, head.length);
        // A multi-byte character may be cut by the end of the head; the rest of the body is checked while streaming.
        if (valid && (!wholeBody || text.isCompleteAndValid())) {
            return List.of(TEXT_PLAIN);
        }
        return List.of();
    }

    /** ISO base media file format (MP4, QuickTime, M4A, HEIF): decided by the major brand, else compatible ones. */
    private static List<String> isoMedia(byte[] head) {
        if (head.length < 12) {
            return List.of();
        }
        String major = new String(head, 8, 4, StandardCharsets.ISO_8859_1);
        if (REFUSED_BRANDS.contains(major)) {
            return List.of();
        }
        List<String> byMajor = brand(major);
        if (!byMajor.isEmpty()) {
            return byMajor;
        }
        long boxSize = ((head[0] & 0xFFL) << 24) | ((head[1] & 0xFF) << 16) | ((head[2] & 0xFF) << 8) | (head[3] & 0xFF);
        int end = (int) Math.min(boxSize, head.length);
        for (int offset = 16; offset + 4 <= end; offset += 4) {
            List<String> byCompatible = brand(new String(head, offset, 4, StandardCharsets.ISO_8859_1));
            if (!byCompatible.isEmpty()) {
                return byCompatible;
            }
        }
        return List.of();
    }

    private static List<String> brand(String brand) {
        if (HEIC_BRANDS.contains(brand)) {
            return List.of("image/heic", "image/heif");
        }
        if (HEIF_BRANDS.contains(brand)) {
            return List.of("image/heif", "image/heic");
        }
        if (M4A_BRANDS.contains(brand)) {
            return List.of("audio/mp4");
        }
        if ("qt  ".equals(brand)) {
            return List.of("video/quicktime");
        }
        if (MP4_BRANDS.contains(brand)) {
            return List.of("video/mp4", "audio/mp4");
        }
        return List.of();
    }

    /** Matroska and its WebM profile, told apart by the EBML DocType near the start. */
    private static List<String> matroska(byte[] head) {
        int window = Math.min(head.length, 64);
        if (indexOf(head, window, "webm") >= 0) {
            return List.of("video/webm", "audio/webm");
        }
        if (indexOf(head, window, "matroska") >= 0) {
            return List.of("video/x-matroska", "audio/x-matroska");
        }
        return List.of();
    }

    /**
     * An MPEG audio layer III frame header: 11 sync bits, then no reserved version, layer III, a usable bitrate
     * and sample rate. Requiring layer III keeps AAC (ADTS) and most random 0xFF runs out.
     */
    private static boolean isMp3FrameHeader(byte[] head) {
        if (head.length < 4 || (head[0] & 0xFF) != 0xFF || (head[1] & 0xE0) != 0xE0) {
            return false;
        }
        int version = (head[1] >> 3) & 0x03;
        int layer = (head[1] >> 1) & 0x03;
        int bitrate = (head[2] >> 4) & 0x0F;
        int sampleRate = (head[2] >> 2) & 0x03;
        return version != 0x01 && layer == 0x01 && bitrate != 0x0F && bitrate != 0x00 && sampleRate != 0x03;
    }

    private static UnsupportedMedia mismatch(String declared, List<String> candidates) {
        return new UnsupportedMedia("declared " + declared + " but the content is " + candidates.get(0));
    }

    private static String normalize(String contentType) {
        int parameters = contentType.indexOf(';');
        String bare = parameters >= 0 ? contentType.substring(0, parameters) : contentType;
        return bare.trim().toLowerCase(Locale.ROOT);
    }

    private static boolean ascii(byte[] head, int offset, String magic) {
        return startsWith(head, offset, magic.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static boolean startsWith(byte[] head, int offset, byte[] magic) {
        if (head.length < offset + magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (head[offset + i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] head, int limit, String needle) {
        byte[] bytes = needle.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i + bytes.length <= limit; i++) {
            if (startsWith(head, i, bytes)) {
                return i;
            }
        }
        return -1;
    }
}
