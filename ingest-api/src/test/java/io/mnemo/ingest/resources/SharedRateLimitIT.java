package io.mnemo.ingest.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.ingest.IngestConfiguration;
import io.mnemo.kit.auth.Scopes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two ingest instances on one Postgres share a key's rate limit: both offered far more than the limit for a few
 * seconds, together they accept about the one limit (plus the lease slack LeasedBuckets documents), not twice it.
 */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedRateLimitIT {
    private static final int RATE = 40;
    private static final int BURST = 40;
    private static final Duration LOAD = Duration.ofSeconds(8);
    static final DropwizardAppExtension<IngestConfiguration> FIRST = instance("ingest-shared-a");
    static final DropwizardAppExtension<IngestConfiguration> SECOND = instance("ingest-shared-b");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static DropwizardAppExtension<IngestConfiguration> instance(String prefix) {
        return IngestApiIT.IngestTestApp.create(prefix,
                ConfigOverride.config(prefix, "auth.sharedLimits.enabled", "true"),
                ConfigOverride.config(prefix, "auth.sharedLimits.expectedInstances", "2"));
    }

    @Test
    @Order(1)
    void twoInstancesTogetherAcceptAboutOneLimitNotTwo() throws Exception {
        String key = TestKeys.store().create("shared-limit", "shared", Set.of(Scopes.MEMORIES_WRITE), RATE, BURST)
                .plaintext();
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong other = new AtomicLong();
        long deadline = System.nanoTime() + LOAD.toNanos();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int port = (i % 2 == 0 ? FIRST : SECOND).getLocalPort();
            running.add(clients.submit(() -> {
                while (System.nanoTime() - deadline < 0) {
                    int status;
                    try {
                        status = capture(port, key);
                    } catch (java.io.IOException closed) {
                        // a pooled connection the server closed after a refusal: send again on a new one
                        continue;
                    }
                    (status == 202 ? accepted : status == 429 ? refused : other).incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> client : running) {
            client.get();
        }
        clients.shutdown();

        double seconds = LOAD.toNanos() / 1e9;
        long oneLimit = (long) (RATE * seconds) + BURST;
        // lease slack per instance: its advance (burst / 2) and what it holds leased (its share of the burst, or two
        // 100 ms rounds of the rate), plus one more round of the rate for the requests in flight as the load stops
        long slack = 2 * (BURST / 2 + Math.max(BURST / 2, (long) Math.ceil(2 * RATE * 0.1))
                + (long) Math.ceil(RATE * 0.1));
        assertThat(other).as("every answer is 202 or 429").hasValue(0);
        assertThat(refused.get()).as("offered far more than the limit").isGreaterThan(2 * oneLimit);
        org.slf4j.LoggerFactory.getLogger(SharedRateLimitIT.class).info("Two instances, one key at {}/s burst {} for {}:"
                + " {} accepted, {} refused (one limit {}, slack {})", RATE, BURST, LOAD, accepted, refused, oneLimit,
                slack);
        assertThat(accepted.get()).as("accepted by both instances together (one limit: %d, per-instance limits "
                + "would have allowed %d)", oneLimit, 2 * oneLimit)
                .isBetween((long) (RATE * seconds * 0.8), oneLimit + slack);
    }

    @Test
    @Order(2)
    void withPostgresStoppedEachInstanceKeepsAcceptingItsShareAndSharesAgainWhenItReturns() throws Exception {
        String key = TestKeys.store().create("shared-limit", "outage", Set.of(Scopes.MEMORIES_WRITE), 1_000, 1_000)
                .plaintext();
        // the user's data key is made (and cached) while Postgres is up
        assertThat(capture(FIRST.getLocalPort(), key)).isEqualTo(202);
        assertThat(capture(SECOND.getLocalPort(), key)).isEqualTo(202);

        var postgres = DevstackExtension.devstack().primaryServer();
        postgres.stop();
        try {
            // every write in the outage is answered 2xx, from the first moment on: leases fail, the instances
            // limit alone to half the key's limits each (500/s, burst 500), far above this load
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            int sent = 0;
            while (System.nanoTime() - until < 0) {
                assertThat(capture((sent++ % 2 == 0 ? FIRST : SECOND).getLocalPort(), key)).isEqualTo(202);
            }
            assertThat(scrape(FIRST)).containsPattern("mnemo_ingest_rate_limits_shared_reachable(\\{[^}]*})? 0\\.0");
        } finally {
            postgres.start();
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> java.util.regex.Pattern.compile("mnemo_ingest_rate_limits_shared_reachable(\\{[^}]*})? 1\\.0")
                        .matcher(scrape(FIRST)).find());
        assertThat(capture(FIRST.getLocalPort(), key)).isEqualTo(202);
    }

    private static String scrape(DropwizardAppExtension<IngestConfiguration> app) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.getAdminPort() + "/prometheus"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static int capture(int port, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/users/shared-limit/memories")).timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"occurredAt\":\"2026-10-01T08:00:00Z\",\"content\":\"shared limit\"}")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
