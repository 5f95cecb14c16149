package io.mnemo.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a script or tool of the repository and captures its exit code and combined output. */
record Command(int exitCode, String output) {
    /** The repository root: surefire runs tests in the module directory. */
    static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();

    static Command run(Duration timeout, Map<String, String> environment, String... command) {
        ProcessBuilder builder = new ProcessBuilder(List.of(command)).directory(REPOSITORY.toFile())
                .redirectErrorStream(true);
        builder.environment().putAll(environment);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            // read while it runs: a full pipe would block the process
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeout.seconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout.seconds()
                        + " s");
            }
            return new Command(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("Cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while running " + String.join(" ", command), e);
        }
    }

    static Command run(String... command) {
        return run(new Duration(300), Map.of(), command);
    }

    /** A timeout in whole seconds (java.time.Duration would read as the same name in these tests). */
    record Duration(long seconds) {
    }
}
