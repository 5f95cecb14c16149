package io.mnemo.ingest.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Event (as a domain value): a memory was captured. The Kafka adapter turns it into its Avro form. */
public record MemoryCaptured(EventId eventId, TenantId tenant, UserId user, Instant recordedAt, MemoryId memoryId,
                             Instant occurredAt, String content, List<String> tags, Map<String, String> attributes,
                             List<String> mediaIds, Optional<IdempotencyKey> idempotencyKey) implements MemoryEvent {
}
