package io.mnemo.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SDK's retry, idempotency, read-your-writes, paging and batching rules, against fake services. */
class MnemoClientTest {
    private static final String ID = "0b6a4c44-5b0e-4d53-9d4c-1f1f8f0c2f6e";
    private static final String ACCEPTED = "{\"memoryId\":\"" + ID + "\",\"position\":\"3:42\"}";
    private static final String INVALID = "{\"type\":\"urn:mnemo:problem:validation-failed\",\"title\":\"Invalid input\","
            + "\"status\":422,\"detail\":\"1 invalid field(s)\",\"errors\":[{\"field\":\"content\",\"message\":\"x\"}]}";
    private static final String UNAVAILABLE = "{\"type\":\"urn:mnemo:problem:ingest-unavailable\","
            + "\"title\":\"Unavailable\",\"status\":503}";

    private final List<Duration> waits = new CopyOnWriteArrayList<>();
    private final FakeService ingest;
    private final FakeService query;
    private final MnemoClient client;

    MnemoClientTest() throws Exception {
        ingest = new FakeService();
        query = new FakeService();
        client = MnemoClient.builder().ingest(ingest.url()).query(query.url()).apiKey("mnemo_k_s")
                .sleeper(waits::add).build();
    }

    @AfterEach
    void stop() {
        ingest.close();
        query.close();
    }

    @Test
    void retriesA429AfterItsRetryAfterWithTheSameIdempotencyKey() {
        ingest.then(429, "{\"type\":\"urn:mnemo:problem:rate-limited\",\"title\":\"Too many\",\"status\":429}",
                "Retry-After", "7").then(202, ACCEPTED);

        Captured captured = client.capture(Memory.of("alice", "hello"));

        assertThat(captured.memoryId()).isEqualTo(UUID.fromString(ID));
        assertThat(waits).containsExactly(Duration.ofSeconds(7));
        List<FakeService.Received> sent = ingest.received();
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).header("Idempotency-Key")).isNotBlank()
                .isEqualTo(sent.get(1).header("Idempotency-Key"));
        assertThat(sent.get(0).header("Authorization")).isEqualTo("Bearer mnemo_k_s");
    }

    @Test
    void retriesA503WithBackoffWhenItSaysNotHowLong() {
        ingest.then(503, UNAVAILABLE).then(503, UNAVAILABLE).then(202, ACCEPTED);

        client.capture(Memory.of("alice", "hello"), "my-key");

        assertThat(waits).hasSize(2).allSatisfy(wait -> assertThat(wait).isPositive());
        assertThat(ingest.received()).extracting(r -> r.header("Idempotency-Key")).containsOnly("my-key");
    }

    @Test
    void neverRetriesARefusalThatARetryCannotChange() {
        ingest.then(422, INVALID).then(202, ACCEPTED);

        assertThatThrownBy(() -> client.capture(Memory.of("alice", "hello")))
                .isInstanceOfSatisfying(MnemoException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.problemType()).isEqualTo("urn:mnemo:problem:validation-failed");
                });
        assertThat(ingest.received()).hasSize(1);
        assertThat(waits).isEmpty();
    }

    @Test
    void sendsTheLastWrittenPositionWithTheNextReadOfThatUserOnly() {
        ingest.then(202, ACCEPTED);
        query.then(200, memory("hello"), "X-Mnemo-Position", "3:50").then(200, memory("hello"))
                .then(200, memory("other"));

        client.capture(Memory.of("alice", "hello"));
        client.memory("alice", UUID.fromString(ID));
        client.memory("alice", UUID.fromString(ID));
        client.memory("bob", UUID.fromString(ID));

        assertThat(query.received()).extracting(r -> String.valueOf(r.header("X-Mnemo-Position")))
                .containsExactly("3:42", "3:50", "null");
    }

    @Test
    void streamsEveryPageByFollowingTheCursor() {
        query.then(200, "{\"items\":[" + memory("a") + "," + memory("b") + "],\"nextCursor\":\"c1\"}")
                .then(200, "{\"items\":[" + memory("c") + "]}");

        List<String> contents = client.memories("alice", MemoryQuery.all().tag("walk").pageSize(2))
                .map(m -> m.getContent()).toList();

        assertThat(contents).containsExactly("a", "b", "c");
        assertThat(query.received()).extracting(FakeService.Received::query)
                .containsExactly("tag=walk&limit=2", "tag=walk&limit=2&cursor=c1");
    }

    @Test
    void aProducerCompletesEachFutureWithItsOwnOutcomeAndResendsOnlyTheUnavailableItems() throws Exception {
        ingest.then(207, "{\"accepted\":1,\"refused\":2,\"results\":["
                        + "{\"index\":0,\"status\":202,\"memoryId\":\"" + ID + "\",\"position\":\"1:1\"},"
                        + "{\"index\":1,\"status\":422,\"problem\":" + INVALID + "},"
                        + "{\"index\":2,\"status\":503,\"problem\":" + UNAVAILABLE + "}]}", "Retry-After", "2")
                .then(202, "{\"accepted\":1,\"refused\":0,\"results\":["
                        + "{\"index\":0,\"status\":202,\"memoryId\":\"" + ID.replace('0', '1') + "\",\"position\":\"1:2\"}]}");

        var first = new java.util.concurrent.CompletableFuture<Captured>();
        java.util.concurrent.CompletableFuture<Captured> second;
        java.util.concurrent.CompletableFuture<Captured> third;
        try (MnemoProducer producer = client.producer(500, Duration.ofSeconds(5))) {
            first = producer.send(Memory.of("alice", "one"), "k1");
            second = producer.send(Memory.of("alice", ""), "k2");
            third = producer.send(Memory.of("bob", "three"), "k3");
        }

        assertThat(first.get().position()).isEqualTo("1:1");
        assertThat(third.get().position()).isEqualTo("1:2");
        var refused = second;
        assertThatThrownBy(refused::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(MnemoException.class, e -> assertThat(e.status()).isEqualTo(422));
        assertThat(waits).containsExactly(Duration.ofSeconds(2));
        List<FakeService.Received> batches = ingest.received();
        assertThat(batches).hasSize(2);
        assertThat(batches.get(1).body()).contains("\"k3\"").doesNotContain("\"k1\"", "\"k2\"");
    }

    private static String memory(String content) {
        return "{\"memoryId\":\"" + ID + "\",\"userId\":\"alice\",\"occurredAt\":\"2026-11-02T10:00:00Z\","
                + "\"recordedAt\":\"2026-11-02T10:00:01Z\",\"content\":\"" + content + "\",\"tags\":[],"
                + "\"attributes\":{},\"mediaIds\":[],\"version\":1}";
    }
}
