package io.mnemo.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.devstack.ServedOpenApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's client and SDK snippets are the compiled ones of {@link ReadmeExamples}, so they cannot rot. */
class ReadmeExamplesTest {
    @Test
    void theReadmeShowsTheCompiledClientProducerAndAnalystExamples() throws Exception {
        Path root = ServedOpenApi.repositoryRoot();
        String readme = Files.readString(root.resolve("README.md"));
        String examples = Files.readString(root.resolve(
                "mnemo-client/src/test/java/io/mnemo/client/ReadmeExamples.java"));

        for (String name : List.of("generated", "producer", "analyst")) {
            String snippet = snippet(examples, name);
            assertThat(snippet.lines().count()).as(name).isBetween(3L, 12L);
            assertThat(readme).as("README's %s example, as in ReadmeExamples.java", name)
                    .contains("```java\n" + snippet + "```");
        }
    }

    /** The lines between the markers, with the common indentation removed. */
    private static String snippet(String source, String name) {
        String begin = "// README " + name + " begin\n";
        String body = source.substring(source.indexOf(begin) + begin.length(),
                source.indexOf("        // README " + name + " end"));
        int indent = Arrays.stream(body.split("\n")).filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return Arrays.stream(body.split("\n")).map(l -> l.isBlank() ? "" : l.substring(indent))
                .collect(Collectors.joining("\n", "", "\n"));
    }
}
