package io.mnemo.query.resources;

import io.mnemo.devstack.DevstackExtension;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The event log of the shared devstack, created by the tests before any query service starts, with a partition
 * count other than the shipped default (12): a service that assumed a configured count instead of reading the
 * topic would put users in the wrong partition and these tests would see read-your-writes ignored.
 */
final class TestEventLog {
    static final int PARTITIONS = 5;

    private TestEventLog() {
    }

    /** Creates the catalogue topics when missing and returns the event topic's actual partition count. */
    static synchronized int ensure() {
        String bootstrap = DevstackExtension.devstack().kafkaBootstrap();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            new TopicProvisioner(admin).ensure(Topics.all(), PARTITIONS, (short) 1, Duration.ofSeconds(60));
            return admin.describeTopics(List.of(Topics.MEMORY_EVENTS.name())).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get(Topics.MEMORY_EVENTS.name()).partitions().size();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the event topic on the devstack", e);
        }
    }
}
