package io.mnemo.query.kafka;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the partition count of the event log from the topic: the count ingest's producer partitions users by,
 * and therefore the only one with which the query service finds the partition a user's write went to.
 */
public final class EventLogPartitions {
    private static final Logger LOG = LoggerFactory.getLogger(EventLogPartitions.class);
    private static final long RETRY_MILLIS = 500;

    private EventLogPartitions() {
    }

    /**
     * The topic's partition count; retries while the topic is missing or Kafka does not answer (another service
     * may be creating it), and fails after {@code timeout}: without it read-your-writes would look in the wrong
     * partition, so the service must not start.
     */
    public static int read(Admin admin, String topic, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (true) {
            long remaining = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            try {
                int partitions = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(remaining, TimeUnit.MILLISECONDS).get(topic).partitions().size();
                LOG.info("Event log {} has {} partitions: users' read-your-writes partitions are computed with it",
                        topic, partitions);
                return partitions;
            } catch (ExecutionException e) {
                // an unknown topic is retriable too: it may be being created right now
                if (!(e.getCause() instanceof RetriableException)) {
                    throw new IllegalStateException("Cannot describe the event log " + topic, e.getCause());
                }
                last = e.getCause();
            } catch (TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while reading the partitions of " + topic, e);
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("Cannot read the partition count of the event log " + topic
                        + " within " + timeout + " (read-your-writes needs it to find a user's partition)", last);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(RETRY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while reading the partitions of " + topic, e);
            }
        }
    }
}
