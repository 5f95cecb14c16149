package io.mnemo.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class LoadBalancerTest {

    private static final List<LoadBalancer.Backend> TWO = List.of(LoadBalancer.Backend.local("ingest-1", 8080, 8081),
            LoadBalancer.Backend.local("ingest-2", 8090, 8091));

    @Test
    void checksEveryInstanceOnItsAdminPortEverySecond() {
        String config = LoadBalancer.config("ingest", "127.0.0.1", 9000, TWO);

        assertThat(config).contains("bind 127.0.0.1:9000",
                "http-check send meth GET uri /healthcheck",
                "http-check expect status 200",
                "inter 1s fastinter 1s downinter 1s rise 1 fall 2",
                "server ingest-1 127.0.0.1:8080 check port 8081",
                "server ingest-2 127.0.0.1:8090 check port 8091");
    }

    @Test
    void retriesOnlyFailedConnectionsAndOnAnotherInstance() {
        String config = LoadBalancer.config("ingest", "127.0.0.1", 9000, TWO);

        assertThat(config).contains("retries 2", "retry-on conn-failure", "option redispatch 1",
                "timeout connect 1s", "timeout client 60s", "timeout server 60s");
        assertThat(config).doesNotContain("empty-response", "response-timeout", "all-retryable-errors",
                "observe layer7");
    }

    @Test
    void keepsItsFilesInTheStacksDataDirectory() {
        LoadBalancer balancer = LoadBalancer.of(DevstackOptions.persistent(Path.of("/tmp/stack")), "query", 9000, TWO);

        assertThat(balancer.configFile()).isEqualTo(Path.of("/tmp/stack/load-balancers/query/haproxy.cfg"));
        assertThat(balancer.log()).isEqualTo(Path.of("/tmp/stack/logs/query.log"));
        assertThat(balancer.url()).isEqualTo("http://127.0.0.1:9000");
        assertThat(balancer.pid()).isEqualTo(-1);
        assertThat(balancer.isRunning()).isFalse();
    }

    @Test
    void refusesNamesThatWouldBreakTheConfiguration() {
        assertThatThrownBy(() -> LoadBalancer.Backend.local("ingest 1", 8080, 8081))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LoadBalancer("in\ngest", 9000, TWO, Path.of("x"), Path.of("x.log")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LoadBalancer("ingest", 9000, List.of(), Path.of("x"), Path.of("x.log")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LoadBalancer("ingest", 9000, List.of(TWO.get(0), TWO.get(0)), Path.of("x"),
                Path.of("x.log"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LoadBalancer.Backend.local("ingest-1", 0, 8081))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
