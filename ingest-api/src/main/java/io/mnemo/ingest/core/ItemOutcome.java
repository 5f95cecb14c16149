package io.mnemo.ingest.core;

/** The result of one batch item: accepted (durable in the log) or refused with its reason. */
public record ItemOutcome(MemoryIngest.Accepted accepted, IngestException refused) {
    public boolean isAccepted() {
        return accepted != null;
    }
}
