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
 * forever, while every later event of its partitions waits.
 */
public final class FailedEventHandler implements ProcessingExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(FailedEventHandler.class);

    @Override
    public void configure(Map<String, ?> configs) {
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception error) {
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
