package io.mnemo.ingest.core;

import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/** Identity of one staged media object, issued by ingest ({@code med_} + 32 hex characters). */
public record MediaId(String value) {
    public static final String PATTERN = "med_[0-9a-f]{32}";
    private static final Pattern VALID = Pattern.compile(PATTERN);

    public MediaId {
        Objects.requireNonNull(value, "media id");
        if (!VALID.matcher(value).matches()) {
            throw new InvalidInput("mediaIds", "'" + abbreviate(value) + "' is not a media id issued by this API");
        }
    }

    /** The id whose 32 hex characters are those of the UUID (dashes dropped). */
    public static MediaId of(UUID uuid) {
        return new MediaId("med_" + uuid.toString().replace("-", ""));
    }

    /** A fresh id for an upload without Idempotency-Key. */
    public static MediaId random() {
        return of(UUID.randomUUID());
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "…";
    }

    @Override
    public String toString() {
        return value;
    }
}
