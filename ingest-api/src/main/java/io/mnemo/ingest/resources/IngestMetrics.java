package io.mnemo.ingest.resources;

import io.mnemo.ingest.core.TenantId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Counters of what ingest accepted, by tenant and event type ({@code mnemo.ingest.accepted}). */
public final class IngestMetrics {
    private final MeterRegistry registry;

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void accepted(TenantId tenant, String eventType, int count) {
        Counter.builder("mnemo.ingest.accepted").description("Events durable in Kafka")
                .tag("tenant", tenant.value()).tag("event", eventType).register(registry).increment(count);
    }
}
