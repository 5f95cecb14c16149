package io.mnemo.schemas.serde;

import java.util.List;
import java.util.OptionalInt;
import org.apache.avro.Schema;

/**
 * The operations Mnemo needs from a Confluent-compatible schema registry: register and look up schemas under
 * a subject, fetch writer schemas by their global id, and read or change compatibility settings.
 * Implementations are thread-safe and fail with {@link SchemaRegistryException}.
 */
public interface SchemaRegistryClient {

    /** The compatibility levels a Confluent registry understands. */
    List<String> COMPATIBILITY_LEVELS = List.of("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
            "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");

    /**
     * Registers {@code schema} under {@code subject} and returns its global id; registering an already
     * registered schema returns the existing id. Fails with HTTP status 409 when the subject's compatibility
     * level rejects it.
     */
    int register(String subject, Schema schema);

    /** The id of {@code schema} if it is already registered under {@code subject}; never registers. */
    OptionalInt lookup(String subject, Schema schema);

    /** The schema with this global id; ids are immutable, so the answer can be cached forever. */
    Schema schemaById(int id);

    /** Every subject with at least one registered version. */
    List<String> subjects();

    /** The versions registered under {@code subject}, oldest first; empty when the subject does not exist. */
    List<Integer> versions(String subject);

    /** The effective compatibility level of a subject (falling back to the global level), or the global level for {@code null}. */
    String compatibility(String subjectOrNullForGlobal);

    /** Sets the compatibility level of a subject, or the global level for {@code null}. */
    void setCompatibility(String subjectOrNullForGlobal, String level);

    /** Whether {@code schema} could be registered under {@code subject}, judged by the subject's level against the latest (or all) registered versions. */
    boolean isCompatible(String subject, Schema schema);
}
