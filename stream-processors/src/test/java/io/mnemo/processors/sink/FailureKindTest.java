package io.mnemo.processors.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.schemas.serde.SchemaRegistryException;
import java.net.ConnectException;
import java.sql.SQLException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;

class FailureKindTest {
    private static RuntimeException fromJdbi(String sqlState) {
        return new UnableToExecuteStatementException(new SQLException("x", sqlState), null);
    }

    @Test
    void retriesWhatWaitingCanCure() {
        assertThat(FailureKind.of(fromJdbi("08006"))).isEqualTo(FailureKind.TRANSIENT); // connection failure
        assertThat(FailureKind.of(fromJdbi("40001"))).isEqualTo(FailureKind.TRANSIENT); // serialization failure
        assertThat(FailureKind.of(fromJdbi("40P01"))).isEqualTo(FailureKind.TRANSIENT); // deadlock
        assertThat(FailureKind.of(fromJdbi("53300"))).isEqualTo(FailureKind.TRANSIENT); // too many connections
        assertThat(FailureKind.of(fromJdbi("57P01"))).isEqualTo(FailureKind.TRANSIENT); // admin shutdown
        assertThat(FailureKind.of(fromJdbi("25006"))).isEqualTo(FailureKind.TRANSIENT); // read-only (failover)
        assertThat(FailureKind.of(fromJdbi("42P01"))).isEqualTo(FailureKind.TRANSIENT); // a deployment to fix
        assertThat(FailureKind.of(new RuntimeException(new SQLException("pool exhausted"))))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(FailureKind.of(new RuntimeException(new ConnectException("refused"))))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(FailureKind.of(new TimeoutException("broker"))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(FailureKind.of(new SerializationException("x", new SchemaRegistryException(0, -1, "refused"))))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(FailureKind.of(new SerializationException("x", new SchemaRegistryException(503, 50003, "busy"))))
                .isEqualTo(FailureKind.TRANSIENT);
    }

    @Test
    void deadLettersWhatNoRetryCanCure() {
        assertThat(FailureKind.of(fromJdbi("22021"))).isEqualTo(FailureKind.PERMANENT); // bad encoding (NUL)
        assertThat(FailureKind.of(fromJdbi("23505"))).isEqualTo(FailureKind.PERMANENT); // unique violation
        assertThat(FailureKind.of(new IllegalStateException("a bug"))).isEqualTo(FailureKind.PERMANENT);
        assertThat(FailureKind.of(new ClassCastException("not a change"))).isEqualTo(FailureKind.PERMANENT);
        assertThat(FailureKind.of(new SerializationException("x", new SchemaRegistryException(404, 40403, "no id"))))
                .isEqualTo(FailureKind.PERMANENT);
        assertThat(FailureKind.of(new RecordDeserializationException(
                new org.apache.kafka.common.TopicPartition("t", 0), 5, "bad magic byte", null)))
                .isEqualTo(FailureKind.PERMANENT);
    }
}
