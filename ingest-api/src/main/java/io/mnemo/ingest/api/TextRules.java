package io.mnemo.ingest.api;

/**
 * Rules for free text in request bodies. JSON may carry U+0000, PostgreSQL text cannot store it: refusing it here
 * (422) tells the producer, instead of accepting an event no projection can ever hold.
 */
public final class TextRules {
    public static final String NO_NUL = "[^\\x00]*";
    public static final String NO_NUL_MESSAGE = "must not contain the NUL character (U+0000)";

    private TextRules() {
    }
}
