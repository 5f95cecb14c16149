package io.mnemo.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written pre-check may only skip the validator where the validator would find nothing. */
class PlainlyValidTest {
    private static final Validator VALIDATOR = Validation.buildDefaultValidatorFactory().getValidator();
    private static final Instant WHEN = Instant.parse("2026-11-01T09:30:00Z");
    /** Values at and around every limit of the annotations, plus blank, NUL and null. */
    private static final List<String> TEXTS = texts();

    private static List<String> texts() {
        List<String> texts = new ArrayList<>(List.of("walk", "", " ", "\t \n", "\u2003", "a\0b", "\0", " x ",
                "x".repeat(64), "x".repeat(65), "y".repeat(1024), "y".repeat(1025), "z".repeat(65536),
                "z".repeat(65537), "z".repeat(65535) + "\0", "user-1", "user 1", "key:1", "k@y", "é"));
        texts.add(null);
        return Collections.unmodifiableList(texts);
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private static List<String> list(Random random, int around) {
        if (random.nextInt(6) == 0) {
            return null;
        }
        int size = random.nextInt(4) == 0 ? around + random.nextInt(3) - 1 : random.nextInt(4);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            values.add(random.nextInt(3) == 0 ? pick(random, TEXTS) : "label-" + i);
        }
        return values;
    }

    private static Map<String, String> map(Random random) {
        if (random.nextInt(6) == 0) {
            return null;
        }
        int size = random.nextInt(4) == 0 ? 49 + random.nextInt(3) : random.nextInt(4);
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < size; i++) {
            String key = random.nextInt(3) == 0 ? pick(random, TEXTS) : "key-" + i;
            values.put(key == null ? "k" : key, random.nextInt(3) == 0 ? pick(random, TEXTS) : "value");
        }
        return values;
    }

    @Test
    void aPlainlyValidCaptureHasNoViolations() {
        Random random = new Random(13);
        int plainlyValid = 0;
        for (int i = 0; i < 5_000; i++) {
            String content = random.nextInt(3) == 0 ? pick(random, TEXTS) : "hello";
            CaptureMemoryRequest body = new CaptureMemoryRequest(random.nextInt(20) == 0 ? null : WHEN, content,
                    list(random, 50), map(random), list(random, 20));
            if (PlainlyValid.capture(body)) {
                plainlyValid++;
                assertThat(VALIDATOR.validate(body)).as("%s", body).isEmpty();
            } else if (VALIDATOR.validate(body).isEmpty()) {
                // conservative is allowed, but this check must not be: every valid generated body is plain
                throw new AssertionError("valid but not plainly valid: " + body);
            }
        }
        assertThat(plainlyValid).isGreaterThan(250);
    }

    @Test
    void aPlainlyValidBatchItemHasNoViolations() {
        Random random = new Random(7);
        int plainlyValid = 0;
        for (int i = 0; i < 5_000; i++) {
            BatchItemRequest item = new BatchItemRequest(random.nextInt(3) == 0 ? pick(random, TEXTS) : "user-1",
                    random.nextInt(3) == 0 ? pick(random, TEXTS) : null, random.nextInt(20) == 0 ? null : WHEN,
                    random.nextInt(3) == 0 ? pick(random, TEXTS) : "hello", list(random, 50), map(random),
                    list(random, 20));
            if (PlainlyValid.batchItem(item)) {
                plainlyValid++;
                assertThat(VALIDATOR.validate(item)).as("%s", item).isEmpty();
            } else {
                assertThat(VALIDATOR.validate(item)).as("%s", item).isNotEmpty();
            }
        }
        assertThat(plainlyValid).isGreaterThan(250);
    }

    @Test
    void anOrdinaryBodyIsPlainlyValid() {
        assertThat(PlainlyValid.capture(new CaptureMemoryRequest(WHEN, "Walked by the river", List.of("walk"),
                Map.of("mood", "calm"), null))).isTrue();
    }
}
