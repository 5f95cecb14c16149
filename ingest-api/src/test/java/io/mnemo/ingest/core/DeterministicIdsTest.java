package io.mnemo.ingest.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class DeterministicIdsTest {
    @Test
    void producesVersion5UuidsThatMatchTheRfcExample() {
        // RFC 9562 appendix A.4: v5 of "www.example.com" in the DNS namespace.
        UUID dns = UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        assertThat(DeterministicIds.v5(dns, "www.example.com"))
                .isEqualTo(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"));
    }

    @Test
    void keysAreScopedToTenantAndUser() {
        var key = new IdempotencyKey("k1");
        var a = DeterministicIds.memoryId(new TenantId("t1"), new UserId("u1"), key);
        assertThat(DeterministicIds.memoryId(new TenantId("t1"), new UserId("u2"), key)).isNotEqualTo(a);
        assertThat(DeterministicIds.memoryId(new TenantId("t2"), new UserId("u1"), key)).isNotEqualTo(a);
        assertThat(DeterministicIds.memoryId(new TenantId("t1"), new UserId("u1"), key)).isEqualTo(a);
        assertThat(DeterministicIds.eventId(new TenantId("t1"), new UserId("u1"), key).value()).isNotEqualTo(a.value());
    }
}
