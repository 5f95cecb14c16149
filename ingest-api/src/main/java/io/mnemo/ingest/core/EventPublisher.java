package io.mnemo.ingest.core;

import java.util.concurrent.CompletableFuture;

/** Port: appends events to the durable event log; completes only once the log acknowledged the write. */
public interface EventPublisher {
    CompletableFuture<LogPosition> publish(MemoryEvent event);
}
