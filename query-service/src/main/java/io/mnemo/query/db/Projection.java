package io.mnemo.query.db;

/**
 * A projection whose watermark in {@code projection_watermarks} gates a read: the name its sink writes there
 * (the processors' writer constants), and so the tables whose rows that watermark vouches for.
 */
public enum Projection {
    /** {@code memories} and {@code memory_locator}: memory lists, lookups and exports. */
    MEMORIES("memories"),
    /** {@code memory_media} and {@code media}: media download links. */
    MEDIA("media"),
    /** {@code user_activity_daily}: activity totals. */
    USER_ACTIVITY_DAILY("user_activity_daily");

    private final String watermarkName;

    Projection(String watermarkName) {
        this.watermarkName = watermarkName;
    }

    /** The {@code projection} column of its rows in {@code projection_watermarks}. */
    public String watermarkName() {
        return watermarkName;
    }
}
