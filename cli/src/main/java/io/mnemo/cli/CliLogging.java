package io.mnemo.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * The CLI's logging, set once the command line is parsed: stdout carries only a command's output (one JSON
 * document with {@code --json}), so logs go to stderr; by default only errors of Mnemo's own code, with
 * {@code --verbose} INFO and up. Kafka's clients stay at WARN even then: their INFO is every client's whole
 * configuration and each connection, and anything an operator must act on is a WARN.
 */
final class CliLogging {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n";

    private CliLogging() {
    }

    /** Replaces whatever configuration logback loaded (logback.xml, or a test's) with the CLI's. */
    static void apply(boolean verbose) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J binding first on the classpath: its configuration is its own
        }
        context.reset();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(stderr);
        root.setLevel(verbose ? Level.INFO : Level.OFF);
        context.getLogger("io.mnemo").setLevel(verbose ? Level.INFO : Level.ERROR);
        if (verbose) {
            context.getLogger("org.apache.kafka").setLevel(Level.WARN);
        }
    }
}
