package io.mnemo.devstack.registry;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.SchemaValidationException;
import org.apache.avro.SchemaValidator;
import org.apache.avro.SchemaValidatorBuilder;

/**
 * The Confluent compatibility levels, each mapped onto Avro's own schema validator so the embedded
 * registry judges compatibility exactly as the build-time gate in {@code schemas} does.
 */
enum CompatibilityLevel {
    NONE(null),
    BACKWARD(b -> b.canReadStrategy().validateLatest()),
    BACKWARD_TRANSITIVE(b -> b.canReadStrategy().validateAll()),
    FORWARD(b -> b.canBeReadStrategy().validateLatest()),
    FORWARD_TRANSITIVE(b -> b.canBeReadStrategy().validateAll()),
    FULL(b -> b.mutualReadStrategy().validateLatest()),
    FULL_TRANSITIVE(b -> b.mutualReadStrategy().validateAll());

    private final Function<SchemaValidatorBuilder, SchemaValidator> validator;

    CompatibilityLevel(Function<SchemaValidatorBuilder, SchemaValidator> validator) {
        this.validator = validator;
    }

    /** Parses a level name case-insensitively; empty when it is not one of the Confluent levels. */
    static Optional<CompatibilityLevel> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Checks a candidate against the existing versions of a subject.
     *
     * @param existingNewestFirst registered schemas, newest first (Avro's {@code validateLatest} only looks at the first)
     * @return the reason it is incompatible, or empty when it is compatible
     */
    Optional<String> incompatibility(Schema candidate, List<Schema> existingNewestFirst) {
        if (validator == null || existingNewestFirst.isEmpty()) {
            return Optional.empty();
        }
        try {
            validator.apply(new SchemaValidatorBuilder()).validate(candidate, existingNewestFirst);
            return Optional.empty();
        } catch (SchemaValidationException e) {
            return Optional.of(e.getMessage());
        }
    }
}
