package io.mnemo.client;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest log position this client wrote or read per user, sent with its next read of that user so that the
 * read reflects at least that write (read-your-writes) and never goes back in time (monotonic reads). A user's
 * events are all in one partition, so positions of a user compare by offset.
 */
final class Positions {
    private final Map<String, String> byUser = new ConcurrentHashMap<>();

    void saw(String userId, String position) {
        if (position != null && position.matches("[0-9]+:[0-9]+")) {
            byUser.merge(userId, position, (old, now) -> offset(now) > offset(old) ? now : old);
        }
    }

    Optional<String> of(String userId) {
        return Optional.ofNullable(byUser.get(userId));
    }

    private static long offset(String position) {
        return Long.parseLong(position.substring(position.indexOf(':') + 1));
    }
}
