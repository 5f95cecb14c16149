package io.mnemo.ingest.core;

import io.mnemo.kit.http.UserIds;
import java.util.Objects;
import java.util.regex.Pattern;

/** A tenant's user, chosen by the producer: see {@link UserIds}. */
public record UserId(String value) {
    public static final String PATTERN = UserIds.PATTERN;
    private static final Pattern VALID = Pattern.compile(PATTERN);

    public UserId {
        Objects.requireNonNull(value, "user id");
        if (!VALID.matcher(value).matches()) {
            throw new InvalidInput("userId", UserIds.MESSAGE);
        }
    }
}
