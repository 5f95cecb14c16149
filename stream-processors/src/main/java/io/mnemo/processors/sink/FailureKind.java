package io.mnemo.processors.sink;

import io.mnemo.processors.db.SqlStates;
import io.mnemo.schemas.serde.SchemaRegistryException;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import org.apache.kafka.common.errors.RetriableException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Whether waiting can cure a sink's failure, in the spirit of Debezium's JDBC sink: retry what is transient
 * (with bounded backoff, forever: the sink never skips a record because the database was away), dead-letter what
 * a given record will never get past.
 *
 * <ul>
 *   <li><b>Transient</b>: connection loss and pool exhaustion (SQLSTATE 08, a SQLException without a state,
 *   {@link SQLTransientException}, {@link SQLRecoverableException}, I/O), transaction rollbacks (40: serialization
 *   failure, deadlock), lack of resources (53), lock timeouts (55P03), cancellation and shutdown (57), system errors
 *   (58), a read-only database during a failover (25006); the schema registry unreachable or answering 5xx; any
 *   Kafka retriable error. Also a database or deployment that is <em>wrong</em> rather than down: undefined
 *   tables or columns, permissions, authentication (42, 28, 3D, 3F, XX) — the cure is an operator's fix or a
 *   migration, and dead-lettering every record meanwhile would empty the projection into the dead-letter topic.</li>
 *   <li><b>Permanent</b>: Postgres refuses the record's data (22 data exception, 23 integrity violation), and
 *   anything else that is not a SQL or I/O failure: a record that cannot be decoded, or that the writer's code
 *   cannot handle.</li>
 * </ul>
 */
public enum FailureKind {
    TRANSIENT,
    PERMANENT;

    public static FailureKind of(Throwable failure) {
        String state = SqlStates.of(failure);
        if (state != null) {
            return state.startsWith("22") || state.startsWith("23") ? PERMANENT : TRANSIENT;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException || t instanceof IOException || t instanceof RetriableException) {
                return TRANSIENT;
            }
            if (t instanceof SchemaRegistryException registry) {
                return registry.httpStatus() == 0 || registry.httpStatus() >= 500 ? TRANSIENT : PERMANENT;
            }
            if (isAwsTransient(t)) {
                return TRANSIENT;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return PERMANENT;
    }

    /** S3 unreachable, or answering 5xx or 429. */
    private static boolean isAwsTransient(Throwable t) {
        if (t instanceof SdkClientException) {
            return true;
        }
        return t instanceof AwsServiceException aws && (aws.statusCode() >= 500 || aws.statusCode() == 429);
    }
}
