package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.processors.topology.DeadLetters;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.MemoryChangeKind;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.changes.MemoryState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * Every command with JSON output, run in-process as {@code main} runs it with stdout and stderr captured: stdout
 * is one JSON document and nothing else (so {@code mnemo status --json | jq} works), logs go to stderr, and
 * {@code --verbose} adds INFO logs there without touching stdout.
 */
@ExtendWith(DevstackExtension.class)
class JsonOutputIT {
    static final Devstack DEVSTACK = DevstackExtension.devstack();
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    record Run(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    /** {@code mnemo <args> <connection options>} as {@code main} runs it, System.out and System.err captured. */
    private static Run mnemoOn(String jdbcUrl, String... args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = MnemoCli.commandLine().execute(ChangeLogFixture.withConnection(jdbcUrl, args));
            System.out.flush();
            System.err.flush();
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run mnemo(String... args) {
        return mnemoOn(DEVSTACK.primary().jdbcUrl(), args);
    }

    /** The whole of stdout as one JSON document: anything before or after it fails. */
    static JsonNode onlyJson(Run run) {
        try {
            JsonNode json = STRICT.readTree(run.stdout());
            if (json == null || json.isMissingNode()) {
                fail("stdout is empty; " + run);
            }
            return json;
        } catch (JsonProcessingException e) {
            return fail("stdout is not one JSON document (" + e.getOriginalMessage() + "); " + run);
        }
    }

    /** The CLI takes over logging as its main would; give the next tests of this JVM the test configuration back. */
    @AfterEach
    void restoreTheTestLogging() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        new ContextInitializer(context).autoConfig();
    }

    private static MemoryChanged change(String tenant, String user, String occurredAt) {
        return MemoryChanged.newBuilder().setEventId(UUID.randomUUID()).setTenantId(tenant).setUserId(user)
                .setMemoryId(UUID.randomUUID()).setVersion(1).setKind(MemoryChangeKind.UPSERTED)
                .setState(MemoryState.newBuilder().setOccurredAt(Instant.parse(occurredAt))
                        .setRecordedAt(Instant.parse("2026-02-10T00:00:00Z")).setContent("memory of " + user)
                        .setTags(List.of()).setAttributes(Map.of()).setMediaIds(List.of()).setMedia(List.of())
                        .build())
                .setSourcePartition(998).setSourceOffset(Math.abs(UUID.randomUUID().getMostSignificantBits()))
                .build();
    }

    @Test
    void statusPrintsOnlyItsJsonOnStdout() {
        ChangeLogFixture.primary();
        ChangeLogFixture.provisionTopics();

        Run run = mnemo("status", "--json", "--replica-url", DEVSTACK.replicas().get(0).jdbcUrl());

        // 1 when the shared stack's consumers are behind (it runs no processors): a verdict, not an error
        assertThat(run.exit()).as(run.toString()).isIn(0, 1);
        assertThat(onlyJson(run).has("processors")).isTrue();
    }

    @Test
    void reconcilePrintsOnlyItsJsonOnStdout() throws Exception {
        ChangeLogFixture.primary();
        ChangeLogFixture.provisionTopics();
        String tenant = "js-" + UUID.randomUUID().toString().substring(0, 8);
        ChangeLogFixture.publishAndProject(tenant, List.of(change(tenant, "u", "2026-02-01T10:00:00Z")));

        Run run = mnemo("reconcile", "--tenant", tenant, "--json");

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(onlyJson(run).get("clean").asBoolean()).isTrue();
    }

    @Test
    void replayPrintsOnlyItsJsonOnStdoutAndVerboseLogsGoToStderr() throws Exception {
        ChangeLogFixture.primary();
        ChangeLogFixture.provisionTopics();
        String tenant = "js-" + UUID.randomUUID().toString().substring(0, 8);
        Instant before = Instant.now().minusSeconds(1);
        ChangeLogFixture.publishAndProject(tenant, List.of(change(tenant, "u", "2031-05-01T10:00:00Z")));
        String database = ChangeLogFixture.freshDatabase("mnemo_json");
        try {
            Run dry = mnemoOn(database, "replay", "--projection", "memories", "--from", before.toString(),
                    "--dry-run", "--json");
            assertThat(dry.exit()).as(dry.toString()).isZero();
            assertThat(onlyJson(dry).get("dryRun").asBoolean()).isTrue();

            // the replay creates the month in this database and logs it at INFO
            Run verbose = mnemoOn(database, "replay", "--projection", "memories", "--from", before.toString(),
                    "--json", "--verbose");
            assertThat(verbose.exit()).as(verbose.toString()).isZero();
            assertThat(onlyJson(verbose).get("records").asLong()).isPositive();
            assertThat(verbose.stderr()).contains("INFO").contains("Created memories partition for 2031-05");
        } finally {
            ChangeLogFixture.dropDatabase(database);
        }
    }

    @Test
    void rebuildAndItsAbandonPrintOnlyTheirJsonOnStdout() {
        ChangeLogFixture.primary();
        ChangeLogFixture.provisionTopics();
        String database = ChangeLogFixture.freshDatabase("mnemo_json");
        try {
            Run abandon = mnemoOn(database, "rebuild", "--projection", "memories", "--abandon", "--json");
            assertThat(abandon.exit()).as(abandon.toString()).isZero();
            onlyJson(abandon);

            Run rebuild = mnemoOn(database, "rebuild", "--projection", "memories", "--json");
            assertThat(rebuild.exit()).as(rebuild.toString()).isIn(0, RebuildCommand.VERIFICATION_FAILED);
            assertThat(onlyJson(rebuild).has("swapped")).isTrue();
        } finally {
            ChangeLogFixture.dropDatabase(database);
        }
    }

    @Test
    void dlqListAndShowPrintOnlyJsonOnStdout() throws Exception {
        ChangeLogFixture.provisionTopics();
        String key = Topics.userKey("js-" + UUID.randomUUID().toString().substring(0, 8), "u");
        long offset = Math.abs(UUID.randomUUID().getMostSignificantBits());
        try (var producer = new KafkaProducer<String, byte[]>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, DEVSTACK.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), null, key, new byte[] {1, 2, 3},
                    DeadLetters.headers(Topics.MEMORY_EVENTS.name(), 997, offset, DeadLetters.REJECTED,
                            "rejected for the JSON output test", Instant.now()))).get();
        }
        String id = "997:" + offset;
        try {
            Run list = mnemo("dlq", "list", "--user", key, "--json");
            assertThat(list.exit()).as(list.toString()).isZero();
            JsonNode waiting = onlyJson(list);
            assertThat(waiting).hasSize(1);
            assertThat(waiting.get(0).get("id").asText()).isEqualTo(id);

            Run show = mnemo("dlq", "show", id);
            assertThat(show.exit()).as(show.toString()).isZero();
            assertThat(onlyJson(show).get("reason").asText()).isEqualTo("rejected for the JSON output test");
        } finally {
            // leave nothing waiting for the other tests of this devstack
            Run discard = mnemo("dlq", "discard", "--yes", "--operator", "it", id);
            assertThat(discard.exit()).as(discard.toString()).isZero();
        }
    }
}
