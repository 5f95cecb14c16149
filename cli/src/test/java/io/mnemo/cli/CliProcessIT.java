package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The CLI as {@code ./mnemo} runs it: its own JVM on {@code target/classes} and the runtime classpath the build
 * writes (so with the shipped logback.xml, not the tests' configuration), its stdout piped: {@code mnemo status
 * --json | jq} gets JSON and nothing else, with or without {@code --verbose}.
 */
@ExtendWith(DevstackExtension.class)
class CliProcessIT {
    static final Devstack DEVSTACK = DevstackExtension.devstack();

    private static JsonOutputIT.Run mnemoProcess(String... args) throws Exception {
        Path classpathFile = Path.of("target", "mnemo.classpath");
        assertThat(classpathFile).as("written by the package phase (mvn package or verify)").isRegularFile();
        String classpath = Path.of("target", "classes").toAbsolutePath() + File.pathSeparator
                + Files.readString(classpathFile).trim();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", classpath, MnemoCli.class.getName()));
        command.addAll(List.of(ChangeLogFixture.withConnection(DEVSTACK.primary().jdbcUrl(), args)));
        // a directory of its own: no .mnemo/dev-env.json of a developer's `mnemo dev` is picked up
        Path workDir = Files.createTempDirectory("mnemo-cli-process");
        Path stdout = workDir.resolve("stdout");
        Path stderr = workDir.resolve("stderr");
        Process process = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("mnemo " + String.join(" ", args) + " still running after 120 s; stderr: "
                    + Files.readString(stderr, StandardCharsets.UTF_8));
        }
        return new JsonOutputIT.Run(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
    }

    @Test
    void statusJsonIsTheWholeOfStdoutAndLogsGoToStderrOnlyWhenVerbose() throws Exception {
        ChangeLogFixture.primary();
        ChangeLogFixture.provisionTopics();
        String replica = DEVSTACK.replicas().get(0).jdbcUrl();

        JsonOutputIT.Run quiet = mnemoProcess("status", "--json", "--replica-url", replica);
        // a verdict (0 healthy, 1 not: this stack runs no processors, so its consumers may be behind), not an error
        assertThat(quiet.exit()).as(quiet.toString()).isIn(0, 1);
        JsonNode status = JsonOutputIT.onlyJson(quiet);
        assertThat(status.get("replicas").get(0).get("standby").asBoolean()).isTrue();
        assertThat(quiet.stderr()).as("quiet by default").doesNotContain(" INFO ").doesNotContain(" WARN ");

        JsonOutputIT.Run verbose = mnemoProcess("--verbose", "status", "--json", "--replica-url", replica);
        assertThat(verbose.exit()).as(verbose.toString()).isIn(0, 1);
        assertThat(JsonOutputIT.onlyJson(verbose).has("processors")).isTrue();
    }
}
