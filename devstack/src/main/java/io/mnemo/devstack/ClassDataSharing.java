package io.mnemo.devstack;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Application Class Data Sharing for the JVMs the dev platform starts (services, broker, S3Proxy): a JVM maps the
 * classes an earlier run of the same classpath loaded from an archive instead of loading, parsing and verifying
 * them again, which saves CPU on every start (what a two-core machine runs short of when ten JVMs start at once).
 *
 * <p>Archives are made lazily at run time, never by the build, so a fresh clone needs nothing installed: they live
 * in {@code ~/.cache/mnemo/cds} (or {@code MNEMO_CDS_DIR}), one per JVM name and hash of the JDK, the JVM options
 * and the classpath with every jar's size and modification time, so a rebuilt jar gets a new archive instead of a
 * rejected one. On JDK 19+ the JVM keeps its archive up to date itself ({@code -XX:+AutoCreateSharedArchive}); on
 * JDK 17 and 18 the first run dumps its classes when it exits ({@code -XX:ArchiveClassesAtExit}, to a file of its
 * own, moved into place once the JVM is gone so no JVM ever maps a half-written archive) and later runs map them.
 * {@code MNEMO_CDS=off} turns it off. A classpath with a directory on it (an IDE or a module's own tests) gets no
 * archive: the JDK refuses to archive classes from directories.
 */
public final class ClassDataSharing {

    private static final Logger LOG = LoggerFactory.getLogger(ClassDataSharing.class);
    /** Archives untouched this long belong to classpaths that are gone (an old build) and are deleted. */
    private static final Duration UNUSED = Duration.ofDays(7);

    private final boolean enabled;
    private final Path cacheDir;

    ClassDataSharing(boolean enabled, Path cacheDir) {
        this.enabled = enabled;
        this.cacheDir = cacheDir;
    }

    /** On unless {@code MNEMO_CDS=off}; archives in {@code MNEMO_CDS_DIR}, else {@code ~/.cache/mnemo/cds}. */
    public static ClassDataSharing fromEnvironment() {
        String setting = System.getenv().getOrDefault("MNEMO_CDS", "on").trim().toLowerCase(Locale.ROOT);
        String dir = System.getenv("MNEMO_CDS_DIR");
        Path cacheDir = dir != null && !dir.isBlank() ? Path.of(dir)
                : Path.of(System.getProperty("user.home"), ".cache", "mnemo", "cds");
        return new ClassDataSharing(!List.of("off", "false", "0", "no").contains(setting), cacheDir);
    }

    /** What to add to one JVM's command line, and what to do once it has exited. */
    public record Launch(List<String> jvmOptions, Path pendingArchive, Path archive) {
        static final Launch NONE = new Launch(List.of(), null, null);

        /**
         * Call with the launched JVM: once it exits, the archive it dumped (JDK 17/18, first run) is moved into
         * place.
         */
        public void watch(Process process) {
            if (pendingArchive != null) {
                process.onExit().thenRun(this::publish);
            }
        }

        void publish() {
            try {
                if (Files.isRegularFile(pendingArchive) && Files.size(pendingArchive) > 0) {
                    Files.move(pendingArchive, archive, StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                    LOG.debug("class data sharing archive {} created", archive);
                } else {
                    Files.deleteIfExists(pendingArchive);
                }
            } catch (IOException e) {
                LOG.debug("cannot publish class data sharing archive {}", pendingArchive, e);
            }
        }
    }

    /**
     * The options that make a JVM called {@code name} (one archive per name) with {@code jvmOptions} and
     * {@code classpath} use, or create, its archive; none when sharing is off or impossible.
     */
    public Launch launch(String name, List<String> jvmOptions, String classpath) {
        if (!enabled) {
            return Launch.NONE;
        }
        try {
            String key = key(jvmOptions, classpath);
            if (key == null) {
                return Launch.NONE;
            }
            Files.createDirectories(cacheDir);
            Path archive = cacheDir.resolve(name + "-" + key + ".jsa");
            if (Runtime.version().feature() >= 19) {
                return new Launch(List.of("-XX:SharedArchiveFile=" + archive, "-XX:+AutoCreateSharedArchive",
                        "-Xlog:cds=off", "-Xlog:cds+dynamic=off"), null, null);
            }
            if (Files.isRegularFile(archive)) {
                touch(archive);
                return new Launch(List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off",
                        "-Xlog:cds+dynamic=off"), null, null);
            }
            deleteUnused();
            Path pending = cacheDir.resolve(name + "-" + key + "." + ProcessHandle.current().pid() + "-"
                    + System.nanoTime() + ".jsa.tmp");
            return new Launch(List.of("-XX:ArchiveClassesAtExit=" + pending, "-Xlog:cds=off",
                    "-Xlog:cds+dynamic=off"), pending, archive);
        } catch (IOException | RuntimeException e) {
            LOG.debug("no class data sharing for {}", name, e);
            return Launch.NONE;
        }
    }

    /** Hash of the JDK, the options and the classpath's files (size, time); null if a directory is on it. */
    static String key(List<String> jvmOptions, String classpath) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder text = new StringBuilder();
        text.append(System.getProperty("java.home")).append('\n').append(Runtime.version()).append('\n');
        jvmOptions.forEach(option -> text.append(option).append('\n'));
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path path = Path.of(entry);
            if (Files.isDirectory(path)) {
                return null;
            }
            text.append(entry);
            if (Files.isRegularFile(path)) {
                text.append(' ').append(Files.size(path)).append(' ').append(Files.getLastModifiedTime(path)
                        .toMillis());
            }
            text.append('\n');
        }
        return HexFormat.of().formatHex(digest.digest(text.toString().getBytes(StandardCharsets.UTF_8)), 0, 12);
    }

    private static void touch(Path archive) {
        try {
            Files.setLastModifiedTime(archive, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // only the clean-up of unused archives looks at the time
        }
    }

    private void deleteUnused() {
        Instant cutoff = Instant.now().minus(UNUSED);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(cacheDir, "*.jsa*")) {
            for (Path file : files) {
                if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot clean {}", cacheDir, e);
        }
    }
}
