package io.mnemo.processors;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.health.HealthCheck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {
    private Instant now = Instant.parse("2026-12-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void oneFailureKeepsHealthGreenButAThreadFailingAgainAndAgainTurnsItRed() {
        StreamThreadFailures failures = new StreamThreadFailures(clock);
        HealthCheck.Result running = HealthCheck.Result.healthy("RUNNING");

        failures.failed(new IllegalStateException("registry unreachable"));
        assertThat(failures.health(running).isHealthy()).isTrue();

        now = now.plusSeconds(10);
        failures.failed(new IllegalStateException("same record again"));
        now = now.plusSeconds(10);
        failures.failed(new IllegalStateException("same record again"));
        HealthCheck.Result looping = failures.health(running);
        assertThat(looping.isHealthy()).isFalse();
        assertThat(looping.getMessage()).contains("3 times").contains("same record again");

        now = now.plus(StreamThreadFailures.WINDOW).plus(Duration.ofSeconds(1));
        assertThat(failures.health(running).isHealthy()).isTrue();
        assertThat(failures.total()).isEqualTo(3);
    }
}
