package io.mnemo.schemas.serde;

import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaValidationException;
import org.apache.avro.SchemaValidator;
import org.apache.avro.SchemaValidatorBuilder;

/** Confluent compatibility levels mapped onto Avro's own validator, for the in-memory registry. */
final class Compatibility {
    private Compatibility() {
    }

    /** The level's canonical name; a 422/42203 {@link SchemaRegistryException} naming the valid ones otherwise, as a registry answers. */
    static String normalize(String level) {
        String upper = level == null ? "" : level.trim().toUpperCase(Locale.ROOT);
        if (!SchemaRegistryClient.COMPATIBILITY_LEVELS.contains(upper)) {
            throw new SchemaRegistryException(422, 42203, "Invalid compatibility level: " + level
                    + " (valid: " + SchemaRegistryClient.COMPATIBILITY_LEVELS + ")");
        }
        return upper;
    }

    /** Whether {@code candidate} may follow {@code existingNewestFirst} under {@code level}. */
    static boolean isCompatible(String level, Schema candidate, List<Schema> existingNewestFirst) {
        SchemaValidatorBuilder b = new SchemaValidatorBuilder();
        SchemaValidator validator = switch (normalize(level)) {
            case "NONE" -> null;
            case "BACKWARD" -> b.canReadStrategy().validateLatest();
            case "BACKWARD_TRANSITIVE" -> b.canReadStrategy().validateAll();
            case "FORWARD" -> b.canBeReadStrategy().validateLatest();
            case "FORWARD_TRANSITIVE" -> b.canBeReadStrategy().validateAll();
            case "FULL" -> b.mutualReadStrategy().validateLatest();
            default -> b.mutualReadStrategy().validateAll();
        };
        if (validator == null || existingNewestFirst.isEmpty()) {
            return true;
        }
        try {
            validator.validate(candidate, existingNewestFirst);
            return true;
        } catch (SchemaValidationException e) {
            return false;
        }
    }
}
