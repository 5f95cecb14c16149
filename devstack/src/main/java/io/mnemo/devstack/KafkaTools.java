package io.mnemo.devstack;

import java.io.IOException;
import java.util.List;

/**
 * Kafka's own command-line tools (e.g. {@code org.apache.kafka.tools.ProducerPerformance}) run in a child JVM on
 * the broker's classpath, isolated from the caller's libraries, exactly as the broker itself runs.
 */
public final class KafkaTools {
    private static final String CLASSPATH_RESOURCE = "io/mnemo/devstack/kafka-broker.classpath";

    private KafkaTools() {
    }

    /** Runs the tool to completion and returns its output; fails with the output when it exits non-zero. */
    public static String run(String mainClass, List<String> args, long timeoutSeconds)
            throws IOException, InterruptedException {
        return ChildJvm.run(ChildJvm.classpathResource(CLASSPATH_RESOURCE), List.of("-Xmx1g"), mainClass, args,
                timeoutSeconds);
    }
}
