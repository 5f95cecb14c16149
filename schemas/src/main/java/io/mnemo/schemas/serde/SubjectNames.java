package io.mnemo.schemas.serde;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * Subject naming for the registry. Mnemo uses Confluent's TopicRecordNameStrategy because one topic carries
 * several event types, each evolving on its own (ARCHITECTURE §3).
 */
public final class SubjectNames {
    private SubjectNames() {
    }

    /** {@code <topic>-<record full name>}, exactly as Confluent's {@code TopicRecordNameStrategy} names it. */
    public static String topicRecordName(String topic, Schema schema) {
        Objects.requireNonNull(topic, "topic");
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("TopicRecordNameStrategy needs a record schema, not " + schema.getType());
        }
        return topic + "-" + schema.getFullName();
    }
}
