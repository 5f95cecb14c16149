package io.mnemo.processors.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.schemas.events.MemoryCaptured;
import io.mnemo.schemas.sealing.DataKey;
import io.mnemo.schemas.sealing.MemorySeal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The dedupe's payload fingerprint over sealed events: what tells a producer's retry from a reused key. */
class EventFingerprintTest {
    private final DataKey key = DataKey.generate();
    private final UUID eventId = UUID.randomUUID();
    private final UUID memoryId = UUID.randomUUID();

    private MemoryCaptured sealed(String content, Map<String, String> attributes, Instant recordedAt) {
        MemorySeal seal = MemorySeal.of(key, "acme", "alice", memoryId);
        return MemoryCaptured.newBuilder().setEventId(eventId).setTenantId("acme").setUserId("alice")
                .setRecordedAt(recordedAt).setMemoryId(memoryId).setOccurredAt(Instant.parse("2026-10-31T09:00:00Z"))
                .setContent("").setSealedContent(seal.content(content)).setTags(List.of())
                .setSealedTags(seal.tags(List.of("a"))).setAttributes(Map.of())
                .setSealedAttributes(seal.attributes(attributes)).setMediaIds(List.of()).build();
    }

    @Test
    void aRetryOfTheSameSealedPayloadHasTheSameFingerprint() {
        MemoryCaptured first = sealed("hello", Map.of("a", "1", "b", "2"), Instant.parse("2026-11-01T10:00:00Z"));
        MemoryCaptured retry = sealed("hello", new java.util.TreeMap<>(Map.of("a", "1", "b", "2")).descendingMap(),
                Instant.parse("2026-11-01T10:00:05Z"));

        assertThat(MemoryEventProcessor.fingerprint(retry)).isEqualTo(MemoryEventProcessor.fingerprint(first));
    }

    @Test
    void anotherSealedPayloadUnderTheSameEventIdHasAnotherFingerprint() {
        Instant at = Instant.parse("2026-11-01T10:00:00Z");

        assertThat(MemoryEventProcessor.fingerprint(sealed("hello", Map.of(), at)))
                .isNotEqualTo(MemoryEventProcessor.fingerprint(sealed("goodbye", Map.of(), at)));
    }
}
