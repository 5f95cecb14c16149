package io.mnemo.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Dockerfiles run the jar their module's dist profile builds, as a non-root user, with heap flags and (for
 * servers) a health check; and the two scripts every image runs behave: the health check passes only on a 200
 * from /healthcheck, the entry point turns MNEMO_X_FILE into MNEMO_X.
 */
class DockerImagesTest {
    private static final Path ENTRYPOINT = Command.REPOSITORY.resolve("infra/docker/entrypoint");
    private static final Path HEALTHCHECK = Command.REPOSITORY.resolve("infra/docker/healthcheck");

    @ParameterizedTest
    @ValueSource(strings = {"ingest-api", "stream-processors", "query-service", "cli"})
    void dockerfileRunsTheShadedJarOfItsModuleAsANonRootUser(String module) throws IOException {
        String dockerfile = Files.readString(Command.REPOSITORY.resolve(module).resolve("Dockerfile"));
        String pom = Files.readString(Command.REPOSITORY.resolve(module).resolve("pom.xml"));
        Matcher jar = Pattern.compile("<mnemo.runnable.jar>([^<]+)</mnemo.runnable.jar>").matcher(pom);
        assertThat(jar.find()).as(module + " names its runnable jar").isTrue();

        assertThat(dockerfile).contains("COPY " + module + "/target/" + jar.group(1) + " ")
                .contains("MNEMO_JAR=/app/" + jar.group(1))
                .containsPattern("(?m)^FROM eclipse-temurin:17-jre")
                .containsPattern("(?m)^USER 10001:10001$")
                .contains("-XX:MaxRAMPercentage=")
                .contains("ENTRYPOINT [\"/app/bin/entrypoint\"]");
        if (module.equals("cli")) {
            assertThat(dockerfile).containsPattern("(?m)^HEALTHCHECK NONE$");
        } else {
            assertThat(dockerfile).containsPattern("(?m)^HEALTHCHECK .*CMD \\[\"/app/bin/healthcheck\"\\]$")
                    .contains("MNEMO_BIND_HOST=0.0.0.0").contains("MNEMO_PROFILE=production");
        }
    }

    @Test
    void healthCheckPassesOnlyWhileTheAdminHealthcheckAnswers200() throws IOException {
        int[] status = {200};
        HttpServer admin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        admin.createContext("/healthcheck", exchange -> {
            exchange.sendResponseHeaders(status[0], -1);
            exchange.close();
        });
        admin.start();
        try {
            Map<String, String> env = Map.of("MNEMO_ADMIN_PORT", Integer.toString(admin.getAddress().getPort()));
            assertThat(Command.run(new Command.Duration(10), env, HEALTHCHECK.toString()).exitCode()).isZero();

            status[0] = 500;
            Command unhealthy = Command.run(new Command.Duration(10), env, HEALTHCHECK.toString());
            assertThat(unhealthy.exitCode()).isEqualTo(1);
            assertThat(unhealthy.output()).contains("500");
        } finally {
            admin.stop(0);
        }
    }

    @Test
    void healthCheckFailsWhenNothingListens() throws IOException {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Command down = Command.run(new Command.Duration(10), Map.of("MNEMO_ADMIN_PORT", Integer.toString(port)),
                HEALTHCHECK.toString());
        assertThat(down.exitCode()).isNotZero();
    }

    @Test
    void entrypointReadsSecretsFromFilesNamedByFileVariables(@TempDir Path dir) throws IOException {
        Path secret = Files.writeString(dir.resolve("pg-password"), "s3cret\n");
        Path fakeJava = fakeJavaPrinting(dir, "password=$MNEMO_PG_PASSWORD file=${MNEMO_PG_PASSWORD_FILE:-unset} $*");

        Command run = Command.run(new Command.Duration(10), Map.of("PATH", fakeJava.getParent() + ":/usr/bin:/bin",
                "MNEMO_JAR", "/app/x.jar", "MNEMO_PG_PASSWORD_FILE", secret.toString()),
                ENTRYPOINT.toString(), "server", "x.yml");

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output().strip()).isEqualTo("password=s3cret file=unset -jar /app/x.jar server x.yml");
    }

    @Test
    void entrypointRefusesASecretSetBothAsValueAndAsFile(@TempDir Path dir) throws IOException {
        Path secret = Files.writeString(dir.resolve("pg-password"), "from-file");
        Path fakeJava = fakeJavaPrinting(dir, "started");

        Command run = Command.run(new Command.Duration(10), Map.of("PATH", fakeJava.getParent() + ":/usr/bin:/bin",
                "MNEMO_JAR", "/app/x.jar", "MNEMO_PG_PASSWORD", "from-env",
                "MNEMO_PG_PASSWORD_FILE", secret.toString()), ENTRYPOINT.toString());

        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.output()).contains("both MNEMO_PG_PASSWORD and MNEMO_PG_PASSWORD_FILE").doesNotContain("started");
    }

    private static Path fakeJavaPrinting(Path dir, String echo) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/bash\necho \"" + echo + "\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return java;
    }
}
