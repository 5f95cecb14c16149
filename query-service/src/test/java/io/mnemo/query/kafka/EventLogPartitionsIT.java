package io.mnemo.query.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mnemo.devstack.DevstackExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The partition count comes from the topic on the devstack's broker; a topic that cannot be read stops start-up. */
@ExtendWith(DevstackExtension.class)
class EventLogPartitionsIT {
    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                DevstackExtension.devstack().kafkaBootstrap()));
    }

    @Test
    void readsThePartitionCountOfTheTopic() throws Exception {
        String topic = "event-log-partitions-" + UUID.randomUUID();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 7, (short) 1))).all().get(30, TimeUnit.SECONDS);

            assertThat(EventLogPartitions.read(admin, topic, Duration.ofSeconds(30))).isEqualTo(7);
        }
    }

    @Test
    void failsNamingTheTopicWhenItDoesNotAppearInTime() {
        String topic = "missing-" + UUID.randomUUID();
        try (Admin admin = admin()) {
            assertThatThrownBy(() -> EventLogPartitions.read(admin, topic, Duration.ofSeconds(2)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining(topic)
                    .hasMessageContaining("read-your-writes");
        }
    }
}
