package io.mnemo.kit.http;

/**
 * The one rule for user ids, chosen by producers and used in URL paths by both APIs: 1–128 letters, digits and
 * {@code . _ - : @}, but not {@code .} or {@code ..}, which a URL path cannot carry as a segment (clients and
 * servers normalise them away), so such a user could be written in a batch and then never be read or erased.
 */
public final class UserIds {
    public static final String PATTERN = "(?!\\.\\.?$)[A-Za-z0-9._:@-]{1,128}";
    public static final String MESSAGE = "must be 1-128 characters of letters, digits and . _ - : @, "
            + "and not . or ..";

    private UserIds() {
    }
}
