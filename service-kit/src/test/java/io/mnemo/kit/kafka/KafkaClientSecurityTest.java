package io.mnemo.kit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaClientSecurityTest {
    @Test
    void withoutTheVariableClientsSpeakPlaintext() {
        assertThat(KafkaClientSecurity.from(Map.of()).applyTo(Map.of("bootstrap.servers", "b:9092")))
                .containsEntry("security.protocol", "PLAINTEXT").containsEntry("bootstrap.servers", "b:9092");
    }

    @Test
    void sslFromTheEnvironmentWinsOverWhatTheCommandSet() {
        var security = KafkaClientSecurity.from(Map.of("MNEMO_KAFKA_SECURITY_PROTOCOL", "SSL",
                "MNEMO_KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/mnemo/ca.jks",
                "MNEMO_KAFKA_SSL_TRUSTSTORE_PASSWORD", "changeit"));

        assertThat(security.applyTo(Map.of("security.protocol", "PLAINTEXT")))
                .containsEntry("security.protocol", "SSL")
                .containsEntry("ssl.truststore.location", "/etc/mnemo/ca.jks")
                .containsEntry("ssl.truststore.password", "changeit");
    }

    @Test
    void anUnsupportedProtocolOrATrustStoreWithoutTlsIsRefusedWithTheVariableNamed() {
        assertThatThrownBy(() -> KafkaClientSecurity.from(Map.of("MNEMO_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MNEMO_KAFKA_SECURITY_PROTOCOL");
        assertThatThrownBy(() -> KafkaClientSecurity.from(Map.of("MNEMO_KAFKA_SSL_TRUSTSTORE_LOCATION", "/ca.jks")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not SSL");
    }
}
