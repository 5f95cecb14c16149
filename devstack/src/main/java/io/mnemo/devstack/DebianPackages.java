package io.mnemo.devstack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the binaries of Debian packages the devstack runs as they are (HAProxy), installing the package with the
 * project's script {@code devstack/bin/ensure-debian-package} when the binary is missing: CI runs as root with apt,
 * a developer's fresh machine has only a JDK.
 */
final class DebianPackages {

    private static final Logger LOG = LoggerFactory.getLogger(DebianPackages.class);
    private static final String SCRIPT_RESOURCE = "io/mnemo/devstack/bin/ensure-debian-package";
    /** Downloading and unpacking a package over a slow mirror; apt-get also waits up to 300 s for the dpkg lock. */
    private static final long INSTALL_TIMEOUT_SECONDS = 900;
    /**
     * Daemons live in sbin directories, which are not on a normal user's PATH on Debian, yet any user may run them.
     */
    private static final List<String> SBIN_DIRS = List.of("/usr/local/sbin", "/usr/sbin", "/sbin");

    private DebianPackages() {
    }

    /**
     * The path of {@code binary}, installing {@code debianPackage} first when it is found neither on the PATH nor
     * in the sbin directories.
     *
     * @throws IllegalStateException with the script's explanation (and the one command to run) when the package
     *                               cannot be installed here
     */
    static synchronized Path ensureExecutable(String binary, String debianPackage)
            throws IOException, InterruptedException {
        Optional<Path> found = findExecutable(binary);
        if (found.isPresent()) {
            return found.get();
        }
        LOG.info("{} is not installed: installing the Debian package {} with ensure-debian-package", binary,
                debianPackage);
        install(debianPackage);
        return findExecutable(binary).orElseThrow(() -> new IllegalStateException("the Debian package "
                + debianPackage + " is installed but has no executable " + binary + " on the PATH or in "
                + SBIN_DIRS));
    }

    static Optional<Path> findExecutable(String binary) {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    dirs.add(dir);
                }
            }
        }
        dirs.addAll(SBIN_DIRS);
        for (String dir : dirs) {
            Path candidate = Path.of(dir, binary);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static void install(String debianPackage) throws IOException, InterruptedException {
        // the script is copied out of the classpath, so this works from the jar as well as from the source tree
        Path script = Files.createTempFile("mnemo-ensure-debian-package", ".sh");
        Path output = Files.createTempFile("mnemo-ensure-debian-package", ".log");
        try {
            try (InputStream in = DebianPackages.class.getClassLoader().getResourceAsStream(SCRIPT_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("classpath resource " + SCRIPT_RESOURCE + " is missing");
                }
                Files.write(script, in.readAllBytes());
            }
            List<String> command = List.of("bash", script.toString(), debianPackage);
            // output to a file, not a pipe: apt-get's output is long and must not block it
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(INSTALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("installing the Debian package " + debianPackage
                        + " did not finish within " + INSTALL_TIMEOUT_SECONDS + " s:\n" + ChildJvm.tail(output, 30));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("the Debian package " + debianPackage + " is needed and could not "
                        + "be installed (devstack/bin/ensure-debian-package exited with " + process.exitValue()
                        + "):\n" + ChildJvm.tail(output, 30));
            }
            LOG.info("installed the Debian package {}; last lines of apt-get:\n{}", debianPackage,
                    ChildJvm.tail(output, 5));
        } finally {
            Files.deleteIfExists(script);
            Files.deleteIfExists(output);
        }
    }
}
