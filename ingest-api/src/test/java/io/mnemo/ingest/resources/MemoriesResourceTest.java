package io.mnemo.ingest.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.ingest.api.CaptureMemoryRequest;
import io.mnemo.ingest.api.MemoryAccepted;
import io.mnemo.ingest.core.EventPublisher;
import io.mnemo.ingest.core.IngestOverloaded;
import io.mnemo.ingest.core.IngestUnavailable;
import io.mnemo.ingest.core.LogPosition;
import io.mnemo.ingest.core.MediaReferenceCheck;
import io.mnemo.ingest.core.MemoryEvent;
import io.mnemo.ingest.core.MemoryIngest;
import io.mnemo.ingest.core.Provenance;
import io.mnemo.kit.auth.Caller;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.TimeoutHandler;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The single capture's asynchronous answer: only after the log's ack, on a responder thread, errors mapped. */
class MemoriesResourceTest {
    private final ExecutorService responders = Executors.newSingleThreadExecutor(r -> new Thread(r, "responder"));
    private final List<CompletableFuture<LogPosition>> acks = new ArrayList<>();
    private final EventPublisher publisher = (MemoryEvent event, Provenance provenance) -> {
        CompletableFuture<LogPosition> ack = new CompletableFuture<>();
        acks.add(ack);
        return ack;
    };

    @AfterEach
    void stop() {
        responders.shutdownNow();
    }

    private MemoriesResource resource(int maxInFlight) {
        MemoryIngest ingest = new MemoryIngest(publisher, Clock.systemUTC(), Duration.ofSeconds(30),
                Duration.ofSeconds(2), maxInFlight, MediaReferenceCheck.NO_MEDIA);
        return new MemoriesResource(ingest, new IngestMetrics(new SimpleMeterRegistry()), responders,
                jakarta.validation.Validation.buildDefaultValidatorFactory().getValidator());
    }

    private static CaptureMemoryRequest body() {
        return new CaptureMemoryRequest(Instant.parse("2026-11-01T09:30:00Z"), "hello", List.of("t"), Map.of(),
                null);
    }

    @Test
    void answers202OnlyAfterTheLogAcknowledgedAndNeverOnTheProducersThread() throws Exception {
        RecordingResponse response = new RecordingResponse();
        resource(10).capture(security(), "alice", "key-1", null, body(), null, response);

        assertThat(acks).hasSize(1);
        assertThat(response.done.await(100, TimeUnit.MILLISECONDS)).as("no answer before the ack").isFalse();
        Thread producerIo = new Thread(() -> acks.get(0).complete(new LogPosition(2, 9)),
                "kafka-producer-network-thread");
        producerIo.start();
        producerIo.join();

        assertThat(response.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(response.thread).isEqualTo("responder");
        assertThat(response.resumed).isInstanceOfSatisfying(Response.class, r -> {
            assertThat(r.getStatus()).isEqualTo(202);
            assertThat(r.getHeaderString(Requests.POSITION)).isEqualTo("2:9");
            assertThat(((MemoryAccepted) r.getEntity()).position()).isEqualTo("2:9");
        });
    }

    @Test
    void aRefusedWriteIsAnsweredWithIngestUnavailableNotAWrappedException() throws Exception {
        RecordingResponse response = new RecordingResponse();
        resource(10).capture(security(), "alice", null, null, body(), null, response);
        acks.get(0).completeExceptionally(new org.apache.kafka.common.errors.TimeoutException("broker gone"));

        assertThat(response.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(response.resumed).isInstanceOf(IngestUnavailable.class);
    }

    @Test
    void overloadIsAnsweredAtOnceWithoutPublishing() throws Exception {
        MemoriesResource resource = resource(1);
        resource.capture(security(), "alice", null, null, body(), null, new RecordingResponse());
        RecordingResponse second = new RecordingResponse();
        resource.capture(security(), "alice", null, null, body(), null, second);

        assertThat(second.done.await(1, TimeUnit.SECONDS)).isTrue();
        assertThat(second.resumed).isInstanceOf(IngestOverloaded.class);
        assertThat(acks).hasSize(1);
    }

    private static SecurityContext security() {
        Caller caller = new Caller("key", "acme", Set.of("memories:write"));
        return new SecurityContext() {
            @Override
            public Principal getUserPrincipal() {
                return caller;
            }

            @Override
            public boolean isUserInRole(String role) {
                return false;
            }

            @Override
            public boolean isSecure() {
                return false;
            }

            @Override
            public String getAuthenticationScheme() {
                return "Bearer";
            }
        };
    }

    /** Remembers what the resource resumed with, and on which thread. */
    static final class RecordingResponse implements AsyncResponse {
        final CountDownLatch done = new CountDownLatch(1);
        volatile Object resumed;
        volatile String thread;

        private boolean record(Object value) {
            resumed = value;
            thread = Thread.currentThread().getName();
            done.countDown();
            return true;
        }

        @Override
        public boolean resume(Object response) {
            return record(response);
        }

        @Override
        public boolean resume(Throwable response) {
            return record(response);
        }

        @Override
        public boolean cancel() {
            return false;
        }

        @Override
        public boolean cancel(int retryAfter) {
            return false;
        }

        @Override
        public boolean cancel(Date retryAfter) {
            return false;
        }

        @Override
        public boolean isSuspended() {
            return done.getCount() > 0;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean isDone() {
            return done.getCount() == 0;
        }

        @Override
        public boolean setTimeout(long time, TimeUnit unit) {
            return false;
        }

        @Override
        public void setTimeoutHandler(TimeoutHandler handler) {
        }

        @Override
        public Collection<Class<?>> register(Class<?> callback) {
            return List.of();
        }

        @Override
        public Map<Class<?>, Collection<Class<?>>> register(Class<?> callback, Class<?>... callbacks) {
            return Map.of();
        }

        @Override
        public Collection<Class<?>> register(Object callback) {
            return List.of();
        }

        @Override
        public Map<Class<?>, Collection<Class<?>>> register(Object callback, Object... callbacks) {
            return Map.of();
        }
    }
}
