package io.mnemo.kit.kafka;

import com.codahale.metrics.health.HealthCheck;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Healthy when the Kafka cluster answers a metadata request within two seconds. */
public final class KafkaHealthCheck extends HealthCheck {
    private final Admin admin;

    public KafkaHealthCheck(Admin admin) {
        this.admin = admin;
    }

    @Override
    protected Result check() throws Exception {
        int brokers = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes()
                .get(2, TimeUnit.SECONDS).size();
        return brokers > 0 ? Result.healthy(brokers + " broker(s)") : Result.unhealthy("no brokers");
    }
}
