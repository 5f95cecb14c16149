package io.mnemo.bench.floor;

import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.mnemo.kit.config.ConfigSources;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The ingest bench's HTTP floor: the same Jetty/Dropwizard server settings and the same producer settings as the
 * ingest API (acks=all, idempotence, lz4, ingest's linger and timeouts, built by the same {@code KafkaFactory}),
 * answering a POST that only produces one record of an ingest event's size and answers 202 after the ack. No
 * authentication, validation, JSON binding or Avro: what is left is the cost any HTTP-to-Kafka service pays, so the
 * bench can show what Mnemo's own per-request work costs on top of it.
 */
public final class HttpFloorApplication extends Application<HttpFloorConfiguration> {
    public static void main(String[] args) throws Exception {
        new HttpFloorApplication().run(args);
    }

    @Override
    public String getName() {
        return "mnemo-http-floor";
    }

    @Override
    public void initialize(Bootstrap<HttpFloorConfiguration> bootstrap) {
        ConfigSources.install(bootstrap);
    }

    @Override
    public void run(HttpFloorConfiguration config, Environment environment) {
        Producer<String, byte[]> producer = config.getKafka().buildProducer(environment, "mnemo-http-floor",
                new ByteArraySerializer(), config.getPublishTimeout(), config.getProducerLinger());
        environment.jersey().register(new FloorResource(producer, config.getTopic(), config.getRecordSize(),
                config.getPublishTimeout().plusSeconds(1)));
    }
}
