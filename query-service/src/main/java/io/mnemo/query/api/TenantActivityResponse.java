package io.mnemo.query.api;

import java.time.LocalDate;
import java.util.List;

/** A tenant's activity in buckets of a day, an ISO week (from Monday) or a month; only non-empty buckets. */
public record TenantActivityResponse(LocalDate from, LocalDate to, String granularity, List<Bucket> buckets) {
    public record Bucket(LocalDate start, long memories, long mediaBytes, long activeUsers) {
    }
}
