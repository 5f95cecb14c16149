package io.mnemo.query.core;

import java.util.Locale;

/** Buckets of tenant-wide analytics; the names are PostgreSQL's date_trunc fields. */
public enum Granularity {
    DAY, WEEK, MONTH;

    public static Granularity parse(String text) {
        if (text == null) {
            return DAY;
        }
        try {
            return valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidQuery("granularity", "must be day, week or month");
        }
    }

    public String field() {
        return name().toLowerCase(Locale.ROOT);
    }
}
