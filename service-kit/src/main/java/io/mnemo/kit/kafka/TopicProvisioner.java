package io.mnemo.kit.kafka;

import io.mnemo.schemas.TopicSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the catalogue topics that are missing and waits until every partition has a leader: producing
 * right after creation otherwise stalls on "not leader" retries (KAFKA-15591).
 */
public final class TopicProvisioner {
    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    private final Admin admin;

    public TopicProvisioner(Admin admin) {
        this.admin = admin;
    }

    public void ensure(Collection<TopicSpec> topics, int partitions, short replicationFactor, Duration timeout) {
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (TopicSpec topic : topics) {
                if (!existing.contains(topic.name())) {
                    Map<String, String> configs = new java.util.HashMap<>(topic.configs());
                    // acks=all is only as strong as the in-sync minimum: two copies whenever there are two.
                    configs.putIfAbsent("min.insync.replicas", Integer.toString(Math.min(2, replicationFactor)));
                    missing.add(new NewTopic(topic.name(), partitions, replicationFactor).configs(configs));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).values().forEach((name, future) -> {
                    try {
                        future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                        LOG.info("Created topic {} ({} partitions, replication {})", name, partitions, replicationFactor);
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw new IllegalStateException("Cannot create topic " + name, e.getCause());
                        }
                    } catch (Exception e) {
                        throw rethrow("Cannot create topic " + name, e);
                    }
                });
            }
            awaitLeaders(topics.stream().map(TopicSpec::name).toList(), timeout);
        } catch (Exception e) {
            throw rethrow("Cannot provision topics " + topics, e);
        }
    }

    private void awaitLeaders(List<String> names, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            try {
                Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                boolean allLed = descriptions.values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
                if (allLed) {
                    return;
                }
            } catch (ExecutionException e) {
                // Metadata of fresh topics may not have propagated yet: retry until the deadline.
                LOG.debug("Topics not described yet: {}", e.getCause().toString());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("Partitions of " + names + " have no leader after " + timeout);
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    private static RuntimeException rethrow(String message, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return e instanceof RuntimeException re ? re : new IllegalStateException(message, e);
    }
}
