package io.mnemo.schemas;

import java.util.List;
import java.util.Map;

/**
 * The topic catalogue (ARCHITECTURE §4). The event, change and dead-letter topics are keyed by
 * {@code tenantId/userId} (see {@link #userKey}) so that one user's events stay in order in one partition; the
 * compacted activity topic is keyed by {@code tenantId/userId/yyyy-MM-dd}, one value per user and day.
 */
public final class Topics {
    /** Source of truth: every accepted producer request, kept forever. */
    public static final TopicSpec MEMORY_EVENTS = new TopicSpec("mnemo.memory-events.v1",
            Map.of("retention.ms", "-1", "retention.bytes", "-1"));
    /** Canonical state of a memory after each event, with version and source position. */
    public static final TopicSpec MEMORY_CHANGES = new TopicSpec("mnemo.memory-changes.v1",
            Map.of("retention.ms", "-1", "retention.bytes", "-1"));
    /** Per user per day aggregates as absolute values; compacted, only the latest value per key matters. */
    public static final TopicSpec USER_ACTIVITY = new TopicSpec("mnemo.user-activity.v1",
            Map.of("cleanup.policy", "compact"));
    /** Events that could not be applied, keyed by their original key, with the reason in headers. */
    public static final TopicSpec DEAD_LETTERS = new TopicSpec("mnemo.dead-letters.v1",
            Map.of("retention.ms", "-1", "retention.bytes", "-1"));

    private Topics() {
    }

    /** Every topic Mnemo owns, in creation order. */
    public static List<TopicSpec> all() {
        return List.of(MEMORY_EVENTS, MEMORY_CHANGES, USER_ACTIVITY, DEAD_LETTERS);
    }

    /** The record key of every per-user topic: {@code tenantId/userId}. */
    public static String userKey(String tenantId, String userId) {
        return tenantId + "/" + userId;
    }
}
