package io.mnemo.kit.http;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dropwizard.core.setup.Environment;

/**
 * JSON conventions of every Mnemo HTTP API: timestamps as ISO-8601 strings, and strict reading (unknown fields,
 * trailing garbage and nulls for primitives are errors) so a producer cannot smuggle server-owned fields
 * (tenant, ids, timestamps) into a command.
 */
public final class ApiJson {
    private ApiJson() {
    }

    /** Bounds of what the parser accepts before any object is built (each violation is a 400 problem). */
    public static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
            .maxNestingDepth(32)
            .maxStringLength(256 * 1024)
            .maxNumberLength(64)
            .maxNameLength(256)
            .build();

    public static void install(Environment environment) {
        environment.getObjectMapper().getFactory().setStreamReadConstraints(LIMITS);
        environment.getObjectMapper()
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }
}
