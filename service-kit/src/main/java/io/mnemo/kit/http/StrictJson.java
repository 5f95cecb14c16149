package io.mnemo.kit.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import io.dropwizard.core.setup.Environment;

/**
 * Makes request bodies strict: unknown fields, trailing garbage and nulls for primitives are errors, so a
 * producer cannot smuggle server-owned fields (tenant, ids, timestamps) into a command.
 */
public final class StrictJson {
    private StrictJson() {
    }

    public static void install(Environment environment) {
        environment.getObjectMapper()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }
}
