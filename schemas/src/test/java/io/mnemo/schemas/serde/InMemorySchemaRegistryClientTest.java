package io.mnemo.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryClientTest {
    private static final Schema V1 = SchemaBuilder.record("Thing").namespace("test").fields()
            .requiredString("a").endRecord();
    private static final Schema V2_WITH_DEFAULT = SchemaBuilder.record("Thing").namespace("test").fields()
            .requiredString("a").name("b").type().stringType().stringDefault("").endRecord();
    private static final Schema V2_REQUIRED = SchemaBuilder.record("Thing").namespace("test").fields()
            .requiredString("a").requiredString("b").endRecord();

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @Test
    void givesTheSameSchemaTheSameIdInEverySubject() {
        int first = registry.register("s1", V1);

        assertThat(registry.register("s1", V1)).isEqualTo(first);
        assertThat(registry.register("s2", V1)).isEqualTo(first);
        assertThat(registry.versions("s1")).containsExactly(1);
        assertThat(registry.subjects()).containsExactly("s1", "s2");
    }

    @Test
    void looksUpOnlyWhatIsRegisteredUnderTheSubject() {
        int id = registry.register("s1", V1);

        assertThat(registry.lookup("s1", V1)).hasValue(id);
        assertThat(registry.lookup("s2", V1)).isEmpty();
        assertThat(registry.schemaById(id)).isEqualTo(V1);
    }

    @Test
    void acceptsAFieldWithADefaultAndRejectsARequiredOneUnderBackwardTransitive() {
        registry.register("s", V1);

        assertThat(registry.compatibility(null)).isEqualTo("BACKWARD_TRANSITIVE");
        assertThat(registry.isCompatible("s", V2_REQUIRED)).isFalse();
        assertThatThrownBy(() -> registry.register("s", V2_REQUIRED))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(409);
                });
        assertThat(registry.register("s", V2_WITH_DEFAULT)).isEqualTo(2);
        assertThat(registry.versions("s")).containsExactly(1, 2);
    }

    @Test
    void subjectLevelOverridesTheGlobalLevel() {
        registry.register("s", V1);
        registry.setCompatibility("s", "none");

        assertThat(registry.compatibility("s")).isEqualTo("NONE");
        assertThat(registry.compatibility("other")).isEqualTo("BACKWARD_TRANSITIVE");
        assertThat(registry.isCompatible("s", V2_REQUIRED)).isTrue();
    }

    @Test
    void rejectsAnUnknownCompatibilityLevel() {
        assertThatThrownBy(() -> registry.setCompatibility(null, "SIDEWAYS"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(42203));
    }

    @Test
    void failsWithNotFoundForAnUnknownId() {
        assertThatThrownBy(() -> registry.schemaById(99))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40403));
    }
}
