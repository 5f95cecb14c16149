package io.mnemo.ingest.api;

/**
 * Answer to an accepted memory: its id and its position in the event log, which a client may send back
 * as {@code X-Mnemo-Position} to read its own write.
 */
public record MemoryAccepted(String memoryId, String position) {
}
