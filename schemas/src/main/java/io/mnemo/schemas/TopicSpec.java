package io.mnemo.schemas;

import java.util.Map;
import java.util.Objects;

/**
 * One Kafka topic of the catalogue: its name and the topic-level configuration Mnemo relies on.
 *
 * @param name    full topic name, versioned ({@code mnemo.memory-events.v1})
 * @param configs topic configs applied at creation ({@code retention.ms}, {@code cleanup.policy}, ...)
 */
public record TopicSpec(String name, Map<String, String> configs) {
    public TopicSpec {
        Objects.requireNonNull(name, "name");
        configs = Map.copyOf(configs);
    }

    @Override
    public String toString() {
        return name;
    }
}
