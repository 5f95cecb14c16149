package io.mnemo.ingest.core;

import java.util.Objects;
import java.util.regex.Pattern;

/** A producer-chosen key that makes a retried request produce the same memory id and event id. */
public record IdempotencyKey(String value) {
    public static final String PATTERN = "[A-Za-z0-9._:-]{1,128}";
    private static final Pattern VALID = Pattern.compile(PATTERN);

    public IdempotencyKey {
        Objects.requireNonNull(value, "idempotency key");
        if (!VALID.matcher(value).matches()) {
            throw new InvalidInput("Idempotency-Key", "must be 1-128 characters of letters, digits and . _ - :");
        }
    }
}
