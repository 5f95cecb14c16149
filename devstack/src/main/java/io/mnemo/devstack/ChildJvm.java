package io.mnemo.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Launches a main class in a child JVM through {@link DieWithParent}, keeping the write end of the child's standard
 * input open for the lifetime of the child.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /** The ':'-separated classpath stored in a classpath resource written by a {@code *-runtime} module. */
    static String classpathResource(String resource) {
        try (InputStream in = ChildJvm.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + resource + " is missing: is the runtime "
                        + "module a dependency of devstack?");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts {@code mainClass} with the given JVM options; output goes to {@code stdoutFile}. */
    static Process start(String classpath, List<String> jvmOptions, String mainClass, List<String> args,
                         Path stdoutFile) throws IOException {
        // one archive per main class: the broker's and S3Proxy's classes, loaded once, mapped on every later start
        ClassDataSharing.Launch sharing = ClassDataSharing.fromEnvironment().launch(mainClass, jvmOptions,
                fullClasspath(classpath));
        List<String> options = new ArrayList<>(jvmOptions);
        options.addAll(sharing.jvmOptions());
        List<String> command = command(classpath, options, mainClass, args);
        Files.createDirectories(stdoutFile.getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(stdoutFile.toFile()));
        // stdin stays a pipe: the child halts when it reaches end of file, i.e. when this JVM is gone
        builder.redirectInput(ProcessBuilder.Redirect.PIPE);
        Process process = builder.start();
        sharing.watch(process);
        return process;
    }

    /** Runs a main class to completion (e.g. a tool), failing with its output when it exits non-zero. */
    static String run(String classpath, List<String> jvmOptions, String mainClass, List<String> args, long timeoutSeconds)
            throws IOException, InterruptedException {
        List<String> command = command(classpath, jvmOptions, mainClass, args);
        // Output to a file, not a pipe: reading a pipe to its end would block past the timeout on a hung tool.
        Path outputFile = Files.createTempFile("mnemo-devstack-tool", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(outputFile.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(mainClass + " did not finish within " + timeoutSeconds + " s: "
                        + Files.readString(outputFile));
            }
            closeStdin(process);
            String text = Files.readString(outputFile, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException(mainClass + " " + args + " exited with " + process.exitValue() + ": " + text);
            }
            return text;
        } finally {
            Files.deleteIfExists(outputFile);
        }
    }

    /** Sends SIGTERM, waits for the child to exit (SIGKILL after the timeout), then closes its stdin. */
    static void stopGracefully(Process process, long timeoutSeconds) throws InterruptedException {
        // not Process.destroy(): it also closes the child's stdin, and DieWithParent would take that end of file for
        // the death of this JVM and cut the child's own graceful shutdown short
        process.toHandle().destroy();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        closeStdin(process);
    }

    /**
     * How a process ended, as a shell reports it: {@code signal 9} for a JVM or process killed by a signal (the
     * JDK reports those as 128 + the signal number), else {@code exit code N}; {@code running} if it has not.
     */
    public static String describeExit(Process process) {
        if (process == null) {
            return "not started";
        }
        if (process.isAlive()) {
            return "running";
        }
        int code = process.exitValue();
        return code > 128 && code < 160 ? "signal " + (code - 128) : "exit code " + code;
    }

    static void kill(Process process) throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        closeStdin(process);
    }

    private static void closeStdin(Process process) {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // the child is gone already; nothing left to release
        }
    }

    /** The last lines of a log file, for error messages when a child fails to start. */
    static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(no " + file + ")";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static List<String> command(String classpath, List<String> jvmOptions, String mainClass,
                                        List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(fullClasspath(classpath));
        command.add(DieWithParent.class.getName());
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    private static String fullClasspath(String classpath) {
        return classpath + java.io.File.pathSeparator + devstackCodeLocation();
    }

    private static String javaExecutable() {
        Optional<String> current = ProcessHandle.current().info().command();
        return current.orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static String devstackCodeLocation() {
        try {
            return Path.of(DieWithParent.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the devstack classes", e);
        }
    }
}
