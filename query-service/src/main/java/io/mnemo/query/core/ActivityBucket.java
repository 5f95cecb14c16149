package io.mnemo.query.core;

import java.time.LocalDate;

/** A tenant's activity in one day, week (starting Monday) or month: totals and how many users were active. */
public record ActivityBucket(LocalDate start, long memories, long mediaBytes, long activeUsers) {
}
