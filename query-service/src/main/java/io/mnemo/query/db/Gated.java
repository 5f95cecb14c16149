package io.mnemo.query.db;

import java.util.Optional;

/**
 * What a read returns on one database: its value and the watermark of the projection it read, for the user's
 * event-log partition (empty when the projection has none there yet), taken in the same snapshot as the value
 * when the query reads both in one statement.
 */
public record Gated<T>(T value, Optional<Long> watermark) {
}
