package io.mnemo.kit.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.util.Duration;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.net.URI;
import org.junit.jupiter.api.Test;

class KafkaFactoryTest {
    private static final Validator VALIDATOR = Validation.buildDefaultValidatorFactory().getValidator();

    @Test
    void groupMembersHeartbeatAThirdOfTheirSessionApartAndAtMostEveryThreeSeconds() {
        KafkaFactory kafka = new KafkaFactory();
        assertThat(kafka.groupMembershipProperties()).containsEntry("session.timeout.ms", 45_000)
                .containsEntry("heartbeat.interval.ms", 3_000);

        kafka.setGroupSessionTimeout(Duration.seconds(8));

        assertThat(kafka.groupMembershipProperties()).containsEntry("session.timeout.ms", 8_000)
                .containsEntry("heartbeat.interval.ms", 2_666);
    }

    @Test
    void aSessionTimeoutTheBrokerWouldRefuseIsRejectedAtStartUp() {
        KafkaFactory kafka = new KafkaFactory();
        kafka.setBootstrapServers("127.0.0.1:9092");
        kafka.setSchemaRegistryUrl(URI.create("http://127.0.0.1:8081"));
        assertThat(VALIDATOR.validate(kafka)).isEmpty();

        kafka.setGroupSessionTimeout(Duration.seconds(5));

        assertThat(VALIDATOR.validate(kafka)).extracting(violation -> violation.getPropertyPath().toString())
                .containsExactly("groupSessionTimeout");
    }
}
