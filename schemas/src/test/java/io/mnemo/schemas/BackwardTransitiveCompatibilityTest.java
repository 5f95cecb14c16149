package io.mnemo.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaValidationException;
import org.apache.avro.SchemaValidator;
import org.apache.avro.SchemaValidatorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The build-time gate of ARCHITECTURE §3: every current schema must read data written with every version ever
 * published (BACKWARD_TRANSITIVE), because replays read the oldest events. Published versions are kept as
 * {@code src/test/resources/previous/<full.record.Name>/vN.avsc}.
 */
class BackwardTransitiveCompatibilityTest {
    /** Surefire runs in the module directory and sets {@code basedir}; IDEs usually do the former. */
    private static final Path BASEDIR = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path CURRENT = BASEDIR.resolve("src/main/avro");
    private static final Path PREVIOUS = BASEDIR.resolve("src/test/resources/previous");
    private static final Pattern VERSION_FILE = Pattern.compile("v(\\d+)\\.avsc");
    private static final SchemaValidator BACKWARD_TRANSITIVE = new SchemaValidatorBuilder().canReadStrategy().validateAll();

    static List<Path> currentSchemas() {
        try (Stream<Path> files = Files.walk(CURRENT)) {
            return files.filter(p -> p.toString().endsWith(".avsc")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + CURRENT, e);
        }
    }

    @Test
    void findsTheCurrentSchemas() {
        // guards the gate against passing vacuously when run from an unexpected directory
        assertThat(currentSchemas()).extracting(p -> p.getFileName().toString())
                .contains("MemoryCaptured.avsc", "MemoryChanged.avsc");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("currentSchemas")
    void keepsEveryPublishedVersionOfTheSchema(Path avsc) {
        Schema current = parse(avsc);
        Path folder = PREVIOUS.resolve(current.getFullName());

        if (!Files.isDirectory(folder) || published(folder).isEmpty()) {
            fail("No published versions of %s are kept. When publishing a schema, copy %s to %s/vN.avsc "
                    + "(the next N, starting at v1) so later changes are checked against it.",
                    current.getFullName(), BASEDIR.relativize(avsc), BASEDIR.relativize(folder));
        }
        for (Path version : published(folder)) {
            assertThat(parse(version).getFullName())
                    .as("%s must hold versions of %s only", BASEDIR.relativize(version), current.getFullName())
                    .isEqualTo(current.getFullName());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("currentSchemas")
    void readsDataWrittenWithEveryPublishedVersion(Path avsc) {
        Schema current = parse(avsc);
        Path folder = PREVIOUS.resolve(current.getFullName());
        List<Path> versions = Files.isDirectory(folder) ? published(folder) : List.of();

        try {
            BACKWARD_TRANSITIVE.validate(current, newestFirst(versions));
        } catch (SchemaValidationException e) {
            List<String> broken = new ArrayList<>();
            for (Path version : versions) {
                if (!canRead(current, parse(version))) {
                    broken.add(version.getFileName().toString());
                }
            }
            fail("%s is not BACKWARD_TRANSITIVE compatible: it cannot read data written with %s. Give new fields "
                    + "a default, don't change types incompatibly, and don't remove enum symbols or defaults; "
                    + "a breaking change needs a new record or topic. Details: %s",
                    BASEDIR.relativize(avsc), broken, e.getMessage());
        }
    }

    @Test
    void rejectsAddingARequiredFieldWithoutADefault() {
        Schema changed = withExtraField(new ObjectMapper().createObjectNode().put("name", "mood").put("type", "string"));

        assertThatThrownBy(() -> BACKWARD_TRANSITIVE.validate(changed, newestFirst(publishedMemoryCaptured())))
                .isInstanceOf(SchemaValidationException.class);
    }

    @Test
    void rejectsChangingAFieldToAnIncompatibleType() throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(CURRENT.resolve("MemoryCaptured.avsc").toFile());
        ((ArrayNode) json.get("fields")).forEach(f -> {
            if (f.path("name").asText().equals("content")) {
                ((ObjectNode) f).put("type", "int");
            }
        });
        Schema changed = new Schema.Parser().parse(json.toString());

        assertThatThrownBy(() -> BACKWARD_TRANSITIVE.validate(changed, newestFirst(publishedMemoryCaptured())))
                .isInstanceOf(SchemaValidationException.class);
    }

    @Test
    void acceptsAddingAFieldWithADefault() {
        ObjectNode field = new ObjectMapper().createObjectNode().put("name", "mood");
        field.putArray("type").add("null").add("string");
        field.putNull("default");
        Schema changed = withExtraField(field);

        assertThatCode(() -> BACKWARD_TRANSITIVE.validate(changed, newestFirst(publishedMemoryCaptured())))
                .doesNotThrowAnyException();
    }

    private static List<Path> publishedMemoryCaptured() {
        return published(PREVIOUS.resolve("io.mnemo.schemas.events.MemoryCaptured"));
    }

    private static Schema withExtraField(ObjectNode field) {
        try {
            ObjectNode json = (ObjectNode) new ObjectMapper().readTree(CURRENT.resolve("MemoryCaptured.avsc").toFile());
            ArrayNode fields = (ArrayNode) json.get("fields");
            fields.add(field);
            return new Schema.Parser().parse(json.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean canRead(Schema reader, Schema writer) {
        try {
            new SchemaValidatorBuilder().canReadStrategy().validateLatest().validate(reader, List.of(writer));
            return true;
        } catch (SchemaValidationException e) {
            return false;
        }
    }

    /** The {@code vN.avsc} files of a folder, oldest first (numerically, so v10 follows v9). */
    private static List<Path> published(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> VERSION_FILE.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(BackwardTransitiveCompatibilityTest::versionOf))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + folder, e);
        }
    }

    private static int versionOf(Path file) {
        Matcher m = VERSION_FILE.matcher(file.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(file.toString());
        }
        return Integer.parseInt(m.group(1));
    }

    /** Avro's validators take the existing schemas newest first. */
    private static List<Schema> newestFirst(List<Path> versions) {
        List<Schema> schemas = new ArrayList<>();
        for (int i = versions.size() - 1; i >= 0; i--) {
            schemas.add(parse(versions.get(i)));
        }
        return schemas;
    }

    /** Each file is parsed on its own: Mnemo's schemas are self-contained, with nested types defined inline. */
    private static Schema parse(Path avsc) {
        try {
            return new Schema.Parser().parse(avsc.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + avsc, e);
        }
    }
}
