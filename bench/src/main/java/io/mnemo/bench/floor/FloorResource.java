package io.mnemo.bench.floor;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The floor's only endpoint, at ingest's single-POST path: the body's bytes, padded or cut to one ingest event's
 * size, become one record keyed by the user (as ingest keys its events); 202 once Kafka acknowledged it, 503 when
 * it did not. The request thread waits for the ack, the plainest way to write such a service.
 */
@Path("/v1/users/{userId}/memories")
public final class FloorResource {
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final int recordSize;
    private final Duration timeout;

    FloorResource(Producer<String, byte[]> producer, String topic, int recordSize, Duration timeout) {
        this.producer = producer;
        this.topic = topic;
        this.recordSize = recordSize;
        this.timeout = timeout;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response produce(@PathParam("userId") String userId, byte[] body) throws InterruptedException {
        try {
            RecordMetadata ack = producer.send(new ProducerRecord<>(topic, userId, Arrays.copyOf(body, recordSize)))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return Response.accepted("{\"position\":\"" + ack.partition() + ":" + ack.offset() + "\"}").build();
        } catch (ExecutionException | TimeoutException e) {
            return Response.status(503).header("Retry-After", "2").build();
        }
    }
}
