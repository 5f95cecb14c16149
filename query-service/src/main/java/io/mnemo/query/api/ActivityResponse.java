package io.mnemo.query.api;

import java.time.LocalDate;
import java.util.List;

/** A user's activity per UTC day in [from, to): only days with activity are listed. */
public record ActivityResponse(LocalDate from, LocalDate to, List<Day> days) {
    public record Day(LocalDate day, long memories, long mediaBytes) {
    }
}
