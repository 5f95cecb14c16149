package io.mnemo.ingest.core;

import java.util.concurrent.CompletableFuture;

/**
 * Port: appends events to the durable event log. The future completes only once the log acknowledged the
 * write, or fails once it definitely will not.
 */
public interface EventPublisher {
    CompletableFuture<LogPosition> publish(MemoryEvent event, Provenance provenance);
}
