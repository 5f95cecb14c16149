package io.mnemo.ingest.core;

import java.util.Objects;
import java.util.regex.Pattern;

/** A tenant: the organisation an API key belongs to. */
public record TenantId(String value) {
    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    public TenantId {
        Objects.requireNonNull(value, "tenant id");
        if (!VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("tenant id must match " + VALID.pattern());
        }
    }
}
