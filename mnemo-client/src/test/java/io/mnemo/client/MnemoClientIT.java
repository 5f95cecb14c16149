package io.mnemo.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.cli.PlatformApps;
import io.mnemo.client.query.model.MemoryResponse;
import io.mnemo.devstack.Devstack;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.ingest.IngestConfiguration;
import io.mnemo.processors.ProcessorsConfiguration;
import io.mnemo.query.QueryConfiguration;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The SDK against the three services on the devstack: a producer's batches, retries, reading its own writes. */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
class MnemoClientIT {
    static final Devstack DEVSTACK = DevstackExtension.devstack();
    static final String API_KEY = PlatformApps.apiKey(DEVSTACK);
    static final DropwizardAppExtension<ProcessorsConfiguration> PROCESSORS = PlatformApps.processors(DEVSTACK);
    static final DropwizardAppExtension<IngestConfiguration> INGEST = PlatformApps.ingest(DEVSTACK);
    static final DropwizardAppExtension<QueryConfiguration> QUERY = PlatformApps.query(DEVSTACK);
    static final Instant OCCURRED_AT = Instant.parse("2026-11-03T08:00:00Z");

    private static MnemoClient client(String ingestUrl) {
        return MnemoClient.builder().ingest(ingestUrl).query("http://127.0.0.1:" + QUERY.getLocalPort())
                .apiKey(API_KEY).retries(8, Duration.ofMillis(200), Duration.ofSeconds(2)).build();
    }

    @Test
    void aProducersMemoriesAreEachRecordedOnceThoughAnswersWereLostAndReadBackAtOnce() throws Exception {
        String user = "u-sdk-" + UUID.randomUUID();
        int count = 1_200;
        List<CompletableFuture<Captured>> futures = new ArrayList<>();
        CompletableFuture<Captured> invalid;
        // the first two batches reach ingest, which writes them, but their answers are lost on the way back
        try (AnswerDroppingProxy proxy = new AnswerDroppingProxy("http://127.0.0.1:" + INGEST.getLocalPort(), 2)) {
            MnemoClient client = client(proxy.url());
            try (MnemoProducer producer = client.producer()) {
                for (int i = 0; i < count; i++) {
                    futures.add(producer.send(new Memory(user, OCCURRED_AT.plusSeconds(i), "memory " + i,
                            List.of("sdk"), java.util.Map.of())));
                }
                invalid = producer.send(new Memory("not a user!", OCCURRED_AT, "refused", List.of(),
                        java.util.Map.of()));
            }
            assertThat(proxy.dropped()).isEqualTo(2);

            Set<UUID> ids = new HashSet<>();
            for (CompletableFuture<Captured> future : futures) {
                ids.add(future.get(3, java.util.concurrent.TimeUnit.MINUTES).memoryId());
            }
            assertThat(ids).hasSize(count);
            CompletableFuture<Captured> refused = invalid;
            assertThat(refused).isCompletedExceptionally();
            MnemoException problem = (MnemoException) catchCause(refused);
            assertThat(problem.status()).isEqualTo(422);
            assertThat(problem.problemType()).isEqualTo("urn:mnemo:problem:validation-failed");

            // read-your-writes: the list waits for the last position this client wrote, then pages through all
            List<MemoryResponse> read = client.memories(user, MemoryQuery.all().tag("sdk").pageSize(200)).toList();
            assertThat(read).hasSize(count);
            assertThat(read).extracting(MemoryResponse::getMemoryId).map(UUID::fromString)
                    .containsExactlyInAnyOrderElementsOf(ids);
            assertThat(read.get(0).getContent()).isEqualTo("memory " + (count - 1));
        }
    }

    @Test
    void killingTheIngestInstanceMidBatchStillRecordsEveryMemoryExactlyOnce() throws Exception {
        String user = "u-sdk-kill-" + UUID.randomUUID();
        int count = 3_000;
        DropwizardAppExtension<IngestConfiguration> doomed = PlatformApps.ingest(DEVSTACK);
        doomed.before();
        List<CompletableFuture<Captured>> futures = new ArrayList<>();
        try (AnswerDroppingProxy proxy = new AnswerDroppingProxy("http://127.0.0.1:" + doomed.getLocalPort(), 0)) {
            MnemoClient client = client(proxy.url());
            try (MnemoProducer producer = client.producer(100, Duration.ofMillis(5))) {
                for (int i = 0; i < count; i++) {
                    if (i == count / 3) {
                        // the instance dies with the first third in flight; the memories after it are sent to the
                        // dead instance until the balancer (the proxy) has seen it fail under a request, then the
                        // survivor takes the retries
                        doomed.after();
                        Thread failover = new Thread(() -> {
                            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                                    .until(() -> proxy.upstreamFailures() > 0);
                            proxy.retarget("http://127.0.0.1:" + INGEST.getLocalPort());
                        });
                        failover.setDaemon(true);
                        failover.start();
                    }
                    futures.add(producer.send(new Memory(user, OCCURRED_AT.plusMillis(i), "memory " + i,
                            List.of("kill"), java.util.Map.of())));
                }
            }
            Set<UUID> ids = new HashSet<>();
            for (CompletableFuture<Captured> future : futures) {
                ids.add(future.get(3, java.util.concurrent.TimeUnit.MINUTES).memoryId());
            }
            assertThat(ids).hasSize(count);
            assertThat(proxy.upstreamFailures()).as("requests the dead instance failed under, then retried")
                    .isPositive();

            assertThat(client.memories(user, MemoryQuery.all().pageSize(200)).count()).isEqualTo(count);
        }
    }

    @Test
    void aCaptureIsReadBackThroughTheClientWithoutWaitingByHand() {
        MnemoClient client = client("http://127.0.0.1:" + INGEST.getLocalPort());
        String user = "u-sdk-" + UUID.randomUUID();

        Captured captured = client.capture(Memory.of(user, "read me back").tags("ryw"));

        assertThat(client.memory(user, captured.memoryId()).getContent()).isEqualTo("read me back");
        assertThat(client.lastPosition(user)).isPresent();
    }

    private static Throwable catchCause(CompletableFuture<?> future) {
        try {
            future.join();
            throw new AssertionError("expected a refusal");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
