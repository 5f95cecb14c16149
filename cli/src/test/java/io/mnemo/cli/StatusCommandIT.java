package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.kit.kafka.TopicProvisioner;
import io.mnemo.schemas.ProjectionMigrations;
import io.mnemo.schemas.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** {@code mnemo status} on the devstack: every stage reported, the replica as a standby, dead letters counted. */
@ExtendWith(DevstackExtension.class)
class StatusCommandIT {
    @Test
    void reportsProcessorAndProjectionLagReplicasAndDeadLetters() throws Exception {
        var devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        ProjectionMigrations.migrate(pg.jdbcUrl(), pg.user(), pg.password());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, devstack.kafkaBootstrap()))) {
            new TopicProvisioner(admin).ensure(Topics.all(), 12, (short) 1, Duration.ofSeconds(60));
        }
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new MnemoCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        int exit = cli.execute("status", "--json", "--jdbc-url", pg.jdbcUrl(), "--user", pg.user(),
                "--password=" + (pg.password() == null ? "" : pg.password()),
                "--bootstrap", devstack.kafkaBootstrap(), "--schema-registry", devstack.schemaRegistryUrl(),
                "--replica-url", devstack.replicas().get(0).jdbcUrl());

        assertThat(exit).as(out.toString()).isZero();
        JsonNode status = new ObjectMapper().readTree(out.toString());
        assertThat(status.get("processors").get("lagByPartition")).hasSize(12);
        assertThat(status.get("projections").get("memories").has("appliedWatermark")).isTrue();
        assertThat(status.get("projections").get("media").get("topic").asText()).isEqualTo(Topics.MEMORY_CHANGES.name());
        assertThat(status.get("projections").get("user_activity_daily").get("lag").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(status.get("replicas").get(0).get("standby").asBoolean()).isTrue();
        assertThat(status.get("deadLettersWaiting").isInt()).isTrue();
    }
}
