package io.mnemo.ingest.resources;

import io.mnemo.ingest.core.BatchItem;
import java.util.List;

/**
 * What a write costs in rate-limit tokens: one per memory it captures or revises, plus one per media id it lists
 * (each reference is checked against the media store, so it is work of its own). A forget, an erasure and a media
 * upload cost one.
 */
final class RequestCosts {
    private RequestCosts() {
    }

    /** A capture or a revision listing {@code mediaIds} media. */
    static long capture(int mediaIds) {
        return 1L + mediaIds;
    }

    /** A batch: each item, valid or not, and each media id of its valid items. */
    static long batch(List<BatchItem> items) {
        long cost = items.size();
        for (BatchItem item : items) {
            if (item.command() != null) {
                cost += item.command().mediaIds().size();
            }
        }
        return cost;
    }
}
