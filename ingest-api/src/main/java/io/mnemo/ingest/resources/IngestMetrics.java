package io.mnemo.ingest.resources;

import io.mnemo.ingest.core.TenantId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Counters of what ingest accepted, by tenant and event type ({@code mnemo.ingest.accepted}). */
public final class IngestMetrics {
    private final MeterRegistry registry;
    /** One counter per tenant and event type, found by a map lookup instead of a meter builder per request. */
    private final Map<String, Map<String, Counter>> accepted = new ConcurrentHashMap<>();

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void accepted(TenantId tenant, String eventType, int count) {
        accepted.computeIfAbsent(eventType, type -> new ConcurrentHashMap<>())
                .computeIfAbsent(tenant.value(), t -> Counter.builder("mnemo.ingest.accepted")
                        .description("Events durable in Kafka").tag("tenant", t).tag("event", eventType)
                        .register(registry))
                .increment(count);
    }
}
