package io.mnemo.ingest.core;

import java.util.Objects;
import java.util.regex.Pattern;

/** A tenant's user, chosen by the producer: 1–128 characters of letters, digits and {@code . _ - : @}. */
public record UserId(String value) {
    public static final String PATTERN = "[A-Za-z0-9._:@-]{1,128}";
    private static final Pattern VALID = Pattern.compile(PATTERN);

    public UserId {
        Objects.requireNonNull(value, "user id");
        if (!VALID.matcher(value).matches()) {
            throw new InvalidInput("userId", "must be 1-128 characters of letters, digits and . _ - : @");
        }
    }
}
