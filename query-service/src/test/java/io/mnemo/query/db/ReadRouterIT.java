package io.mnemo.query.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.devstack.PostgresEndpoint;
import io.mnemo.query.core.Read;
import io.mnemo.query.core.ReadSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A replica URL that names a primary (after a failover the promoted server's URL is still in the list, and
 * {@code mnemo dev --ha} lists every server) is left out of the rotation: only servers in recovery answer as replicas.
 */
@ExtendWith(DevstackExtension.class)
class ReadRouterIT {
    private static Jdbi jdbi(PostgresEndpoint endpoint) {
        return Jdbi.create(endpoint.jdbcUrl(), endpoint.user(), endpoint.password())
                .installPlugin(new PostgresPlugin()).installPlugin(new SqlObjectPlugin());
    }

    @Test
    void aListedServerThatIsNotInRecoveryLeavesTheRotationAndOnlyTheStandbyAnswersAsAReplica() {
        Jdbi primary = jdbi(DevstackExtension.devstack().primary());
        Jdbi standby = jdbi(DevstackExtension.devstack().replicas().get(0));
        ReadRouter router = new ReadRouter(List.of(primary, standby), primary, Duration.ofSeconds(5),
                Duration.ofSeconds(2), 4, new SimpleMeterRegistry());

        router.checkReplicas();
        List<Read<Boolean>> reads = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            reads.add(router.readTenantWide(h -> h.createQuery("SELECT pg_is_in_recovery()").mapTo(Boolean.class)
                    .one()));
        }

        assertThat(router.anyReplicaHealthy()).isTrue();
        assertThat(reads).allSatisfy(read -> {
            assertThat(read.source()).isEqualTo(ReadSource.REPLICA);
            assertThat(read.value()).as("answered by a server in recovery").isTrue();
        });
    }

    @Test
    void withOnlyAPrimaryListedReadsGoToThePrimaryAndTheRouterSaysNoReplicaQualifies() {
        Jdbi primary = jdbi(DevstackExtension.devstack().primary());
        ReadRouter router = new ReadRouter(List.of(primary), primary, Duration.ofSeconds(5), Duration.ofSeconds(2), 4,
                new SimpleMeterRegistry());

        router.checkReplicas();
        Read<Boolean> read = router.readTenantWide(h -> h.createQuery("SELECT pg_is_in_recovery()")
                .mapTo(Boolean.class).one());

        assertThat(router.anyReplicaHealthy()).isFalse();
        assertThat(read.source()).isEqualTo(ReadSource.PRIMARY);
        assertThat(read.value()).isFalse();
    }
}
