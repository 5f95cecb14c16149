package io.mnemo.kit.config;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.logging.common.ConsoleAppenderFactory;
import io.dropwizard.logging.json.EventJsonLayoutBaseFactory;

/**
 * The console appender writing one JSON object per event (Dropwizard's JSON layout), for log collectors. Its own
 * type rather than a {@code layout:} block, so one variable switches the shipped YAML:
 * {@code type: ${MNEMO_LOG_APPENDER:-console}} with {@code MNEMO_LOG_APPENDER=console-json}; the text settings
 * ({@code logFormat}) stay valid and are ignored.
 */
@JsonTypeName("console-json")
public class JsonConsoleAppenderFactory extends ConsoleAppenderFactory<ILoggingEvent> {
    public JsonConsoleAppenderFactory() {
        setLayout(new EventJsonLayoutBaseFactory());
    }
}
