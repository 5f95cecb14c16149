package io.mnemo.processors.topology;

/** What processing one event of the log came to; logged and counted, and what the topology tests read. */
sealed interface Outcome {
    /** The event changed memories (or the processors' own state: staged media, an erasure, a resolution). */
    record Applied() implements Outcome {
    }

    /** A retry or redelivery of an event already applied: nothing changed. */
    record Duplicate(String why) implements Outcome {
    }

    /** Waits behind the dead letter that blocks its memory. */
    record Parked(String behindEventId) implements Outcome {
    }

    /** Sent to the dead-letter topic; {@code blocking} when later events of its memory now park behind it. */
    record DeadLettered(String reason, boolean blocking) implements Outcome {
    }
}
