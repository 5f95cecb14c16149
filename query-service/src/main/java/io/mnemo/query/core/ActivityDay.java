package io.mnemo.query.core;

import java.time.LocalDate;

/** A user's activity on one UTC day (of the memories' occurredAt). */
public record ActivityDay(LocalDate day, long memories, long mediaBytes) {
}
