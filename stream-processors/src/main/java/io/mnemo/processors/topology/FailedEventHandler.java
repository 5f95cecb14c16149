package io.mnemo.processors.topology;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An event whose processing throws (a bug, an event the code cannot handle) goes to the dead-letter topic with
 * the exception as its reason and its source position, in the same transaction as the rest of the task's output,
 * and the stream moves on. Without it the stream thread fails, is replaced, reads the same event and fails again,
 * forever, while every later event of its partitions waits. A failure of a dependency rather than of the event (the
 * schema registry not answering, a retriable Kafka error) is the exception: the thread fails and is replaced, and
 * the event is processed again, because dead-lettering it would take an accepted memory out of the projection.
 */
public final class FailedEventHandler implements ProcessingExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(FailedEventHandler.class);

    @Override
    public void configure(Map<String, ?> configs) {
    }

    /** The schema registry unreachable or failing (no answer, 5xx), or a Kafka error that says to retry. */
    static boolean isTransient(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof org.apache.kafka.common.errors.RetriableException) {
                return true;
            }
        }
        return UnreadableEventHandler.isTransient(error);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception error) {
        if (isTransient(error)) {
            // Not the event's fault: the schema registry or Kafka did not answer (e.g. a new subject registered while
            // a broker is away). Dead-lettering it would take an accepted memory out of the projection; failing the
            // thread instead replaces it, and exactly-once makes it process the same event again from its commit.
            LOG.warn("Processing {}-{}@{} failed on an unavailable dependency ({}); failing the stream thread to "
                    + "retry it", context.topic(), context.partition(), context.offset(), error.toString());
            UnreadableEventHandler.pause();
            return Response.fail();
        }
        LOG.error("Dead-lettering {}-{}@{}: processing it failed", context.topic(), context.partition(),
                context.offset(), error);
        if (context.sourceRawValue() == null) {
            // Not a record of a source topic (a punctuation): there is nothing to dead-letter, only to fail loudly.
            return Response.fail();
        }
        return Response.resume(List.of(DeadLetters.of(context.topic(), context.partition(), context.offset(),
                context.sourceRawKey(), context.sourceRawValue(), error, Instant.now())));
    }
}
