package io.mnemo.kit.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * How a Kafka client outside a service's YAML (the {@code mnemo} operator commands) reaches a broker that requires
 * TLS, such as Amazon MSK from terraform/: the same {@code MNEMO_KAFKA_SECURITY_PROTOCOL} the services read, and
 * an optional trust store ({@code MNEMO_KAFKA_SSL_TRUSTSTORE_LOCATION}, {@code _PASSWORD}) for a private CA; the
 * JDK's trust store serves MSK's public certificates. Unset, clients speak PLAINTEXT as before.
 */
public final class KafkaClientSecurity {
    static final String PROTOCOL = "MNEMO_KAFKA_SECURITY_PROTOCOL";
    static final String TRUSTSTORE = "MNEMO_KAFKA_SSL_TRUSTSTORE_LOCATION";
    static final String TRUSTSTORE_PASSWORD = "MNEMO_KAFKA_SSL_TRUSTSTORE_PASSWORD";
    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL");

    private final Map<String, Object> settings;

    private KafkaClientSecurity(Map<String, Object> settings) {
        this.settings = Map.copyOf(settings);
    }

    /** From this process's environment. */
    public static KafkaClientSecurity fromEnvironment() {
        return from(System.getenv());
    }

    /** @throws IllegalArgumentException for a protocol other than PLAINTEXT or SSL, or a trust store without TLS */
    static KafkaClientSecurity from(Map<String, String> environment) {
        String protocol = environment.getOrDefault(PROTOCOL, "").isBlank() ? "PLAINTEXT" : environment.get(PROTOCOL);
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException(PROTOCOL + "=" + protocol + " is not supported: use PLAINTEXT or SSL "
                    + "(SASL mechanisms such as MSK IAM are not built in)");
        }
        Map<String, Object> settings = new HashMap<>();
        settings.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        String truststore = environment.get(TRUSTSTORE);
        if (truststore != null && !truststore.isBlank()) {
            if (!protocol.equals("SSL")) {
                throw new IllegalArgumentException(TRUSTSTORE + " is set but " + PROTOCOL + " is not SSL");
            }
            settings.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore);
            String password = environment.get(TRUSTSTORE_PASSWORD);
            if (password != null) {
                settings.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, password);
            }
        }
        return new KafkaClientSecurity(settings);
    }

    /** The client's settings with these added (they take precedence: a command cannot talk PLAINTEXT to TLS). */
    public Map<String, Object> applyTo(Map<String, Object> clientSettings) {
        Map<String, Object> secured = new HashMap<>(clientSettings);
        secured.putAll(settings);
        return secured;
    }

    Map<String, Object> settings() {
        return settings;
    }
}
