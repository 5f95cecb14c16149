package io.mnemo.kit.config;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.logging.common.AppenderFactory;
import io.dropwizard.logging.common.ConsoleAppenderFactory;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

class JsonConsoleAppenderFactoryTest {
    private final ObjectMapper yaml = Jackson.newObjectMapper(new YAMLFactory());

    @Test
    void theTypeNameInTheShippedYamlSelectsTheJsonAppenderAndKeepsTheTextSettingsValid() throws Exception {
        AppenderFactory<?> json = yaml.readValue("type: console-json\nlogFormat: \"%msg%n\"\n", AppenderFactory.class);
        AppenderFactory<?> text = yaml.readValue("type: console\nlogFormat: \"%msg%n\"\n", AppenderFactory.class);

        assertThat(json).isInstanceOf(JsonConsoleAppenderFactory.class);
        assertThat(text).isExactlyInstanceOf(ConsoleAppenderFactory.class);
    }

    @Test
    @SuppressWarnings("unchecked")
    void writesEachEventAsOneJsonObject() throws Exception {
        JsonConsoleAppenderFactory factory = new JsonConsoleAppenderFactory();
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        LayoutBase<ILoggingEvent> layout = (LayoutBase<ILoggingEvent>) factory.getLayout().build(context,
                TimeZone.getTimeZone("UTC"));
        layout.start();
        Logger logger = context.getLogger("io.mnemo.test");
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, "published {} events",
                null, new Object[] {3});

        String line = layout.doLayout(event);

        assertThat(line.strip()).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("message").asText()).isEqualTo("published 3 events");
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("logger").asText()).isEqualTo("io.mnemo.test");
    }
}
