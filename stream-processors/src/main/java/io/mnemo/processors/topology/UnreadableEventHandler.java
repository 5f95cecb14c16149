package io.mnemo.processors.topology;

import io.mnemo.schemas.serde.SchemaRegistryException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what happens to an event Streams cannot deserialize. A registry that does not answer (or answers 5xx)
 * is transient: fail, so the stream thread is replaced and the same event is read again later, never skipped.
 * Anything else (bad magic byte, unknown schema id, corrupt Avro) will never deserialize: it goes to the
 * dead-letter topic with its reason and source position, and processing continues.
 */
public final class UnreadableEventHandler implements DeserializationExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(UnreadableEventHandler.class);

    @Override
    public void configure(Map<String, ?> configs) {
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception error) {
        if (isTransient(error)) {
            LOG.warn("Schema registry unavailable while reading {}-{}@{}; failing the stream thread to retry it",
                    record.topic(), record.partition(), record.offset());
            pause();
            return Response.fail();
        }
        LOG.error("Dead-lettering unreadable event {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                error.toString());
        return Response.resume(List.of(DeadLetters.of(record.topic(), record.partition(), record.offset(),
                record.key(), record.value(), error, Instant.now())));
    }

    static boolean isTransient(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SchemaRegistryException registry) {
                return registry.httpStatus() == 0 || registry.httpStatus() >= 500;
            }
        }
        return false;
    }

    /** A short pause so a registry outage does not turn into a hot loop of thread replacements. */
    static void pause() {
        try {
            TimeUnit.SECONDS.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
