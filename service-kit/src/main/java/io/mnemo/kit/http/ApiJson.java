package io.mnemo.kit.http;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dropwizard.core.setup.Environment;

/**
 * JSON conventions of every Mnemo HTTP API: timestamps as ISO-8601 strings, and strict reading (unknown fields,
 * duplicate fields, trailing garbage and nulls for primitives are errors) so a producer cannot smuggle server-owned fields
 * (tenant, ids, timestamps) into a command.
 */
public final class ApiJson {
    private ApiJson() {
    }

    /**
     * Tokens one JSON body may hold. The largest valid request, a batch of 500 items each with 50 tags and 50
     * attributes, has about 110,000. Counted while parsing, so a body of millions of tiny values ({@code [{},{},...]}
     * or a million tags) is refused before its objects, each a hundred times larger in memory than its two bytes,
     * are built.
     */
    public static final long MAX_TOKENS = 150_000;

    /**
     * Bounds of what the parser accepts before any object is built. A violation is a 400 problem, except too many
     * tokens: a 413, the body is too large.
     */
    public static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
            .maxNestingDepth(32)
            .maxStringLength(256 * 1024)
            .maxNumberLength(64)
            .maxNameLength(256)
            .maxTokenCount(MAX_TOKENS)
            .build();

    public static void install(Environment environment) {
        environment.getObjectMapper().getFactory().setStreamReadConstraints(LIMITS);
        // {"content":"harmless","content":"what a second reader would see"}: one meaning per body
        environment.getObjectMapper().getFactory().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION
                .mappedFeature());
        environment.getObjectMapper()
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }
}
