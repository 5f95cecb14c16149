package io.mnemo.query.db;

import java.util.List;

/**
 * What a read reads, and so the watermarks in {@code projection_watermarks} that gate it: the names its sinks
 * write there (the processors' writer constants). A read of several projections is gated on the lowest of their
 * watermarks: it reflects a position once every table it reads does.
 */
public enum Projection {
    /** {@code memories} and {@code memory_locator}: memory lists, lookups and exports. */
    MEMORIES("memories"),
    /**
     * A full-text search ({@code q=}): {@code memory_search} for the words, {@code memories} and
     * {@code memory_locator} for the rows. Each has its own sink; the read waits for both.
     */
    MEMORY_SEARCH("memories", "memory_search"),
    /** {@code memory_media} and {@code media}: media download links. */
    MEDIA("media"),
    /** {@code user_activity_daily}: activity totals. */
    USER_ACTIVITY_DAILY("user_activity_daily");

    private final List<String> watermarkNames;

    Projection(String... watermarkNames) {
        this.watermarkNames = List.of(watermarkNames);
    }

    /** The {@code projection} column of its rows in {@code projection_watermarks}: one or two names. */
    public List<String> watermarkNames() {
        return watermarkNames;
    }
}
