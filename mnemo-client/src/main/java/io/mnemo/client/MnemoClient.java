package io.mnemo.client;

import io.mnemo.client.ingest.api.BatchesApi;
import io.mnemo.client.ingest.model.BatchRequest;
import io.mnemo.client.ingest.model.BatchResponse;
import io.mnemo.client.ingest.model.CaptureMemoryRequest;
import io.mnemo.client.ingest.model.MemoryAccepted;
import io.mnemo.client.query.ApiResponse;
import io.mnemo.client.query.model.MemoryPageResponse;
import io.mnemo.client.query.model.MemoryResponse;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Mnemo for producers and analysts: captures with an idempotency key per logical write, reused on every retry;
 * retries that honour Retry-After on 429 and 503 and never repeat a refusal (4xx); reads that reflect this
 * client's own writes; lists as a lazy stream over keyset pages; and a {@link #producer() batching producer}.
 * Thread-safe; one per application.
 */
public final class MnemoClient {
    private final io.mnemo.client.ingest.ApiClient ingest;
    private final io.mnemo.client.query.ApiClient query;
    private final Retries retries;
    private final Positions positions = new Positions();

    private MnemoClient(Builder builder) {
        String authorization = "Bearer " + Objects.requireNonNull(builder.apiKey, "apiKey");
        this.ingest = builder.ingest == null ? null : new io.mnemo.client.ingest.ApiClient()
                .setRequestInterceptor(request -> request.header("Authorization", authorization));
        if (ingest != null) {
            ingest.updateBaseUri(builder.ingest.toString().replaceAll("/+$", ""));
        }
        this.query = builder.query == null ? null : new io.mnemo.client.query.ApiClient()
                .setRequestInterceptor(request -> request.header("Authorization", authorization));
        if (query != null) {
            query.updateBaseUri(builder.query.toString().replaceAll("/+$", ""));
        }
        this.retries = new Retries(builder.maxAttempts, builder.firstBackoff, builder.maxBackoff, builder.sleeper);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Captures a memory with a new idempotency key, retried until durable or refused. */
    public Captured capture(Memory memory) {
        return capture(memory, UUID.randomUUID().toString());
    }

    /** As {@link #capture(Memory)}, with the caller's key: a repeat of the same key is the same memory. */
    public Captured capture(Memory memory, String idempotencyKey) {
        var memories = new io.mnemo.client.ingest.api.MemoriesApi(ingestClient());
        CaptureMemoryRequest request = new CaptureMemoryRequest()
                .occurredAt(memory.occurredAt().atOffset(ZoneOffset.UTC)).content(memory.content())
                .tags(memory.tags()).attributes(memory.attributes());
        MemoryAccepted accepted = retries.call(() -> memories.captureMemory(memory.userId(), request,
                idempotencyKey, null));
        positions.saw(memory.userId(), accepted.getPosition());
        return new Captured(accepted.getMemoryId(), accepted.getPosition());
    }

    /**
     * Groups captures into batches of up to 500 (or what arrived within {@code linger}), with a future per memory
     * that fails with the memory's own refusal. Close it to send what is waiting.
     */
    public MnemoProducer producer() {
        return producer(MnemoProducer.MAX_ITEMS, Duration.ofMillis(20));
    }

    public MnemoProducer producer(int maxItems, Duration linger) {
        return new MnemoProducer(this, maxItems, linger);
    }

    /** One memory by id, reflecting at least this client's last write or read of the user. */
    public MemoryResponse memory(String userId, UUID memoryId) {
        var memories = new io.mnemo.client.query.api.MemoriesApi(queryClient());
        ApiResponse<MemoryResponse> read = retries.call(() -> memories.getMemoryWithHttpInfo(userId, memoryId,
                positions.of(userId).orElse(null)));
        sawRead(userId, read.getHeaders());
        return read.getData();
    }

    /** The user's memories that match, newest first, fetched a page at a time as the stream is consumed. */
    public Stream<MemoryResponse> memories(String userId, MemoryQuery filter) {
        Iterator<MemoryResponse> pages = new Iterator<>() {
            private Iterator<MemoryResponse> page = List.<MemoryResponse>of().iterator();
            private String cursor;
            private boolean last;

            @Override
            public boolean hasNext() {
                while (!page.hasNext() && !last) {
                    MemoryPageResponse next = page(userId, filter, cursor);
                    page = next.getItems().iterator();
                    cursor = next.getNextCursor();
                    last = cursor == null;
                }
                return page.hasNext();
            }

            @Override
            public MemoryResponse next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.next();
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pages, Spliterator.ORDERED
                | Spliterator.NONNULL), false);
    }

    /** The position this client will send with its next read of the user, if it wrote or read the user. */
    public java.util.Optional<String> lastPosition(String userId) {
        return positions.of(userId);
    }

    private MemoryPageResponse page(String userId, MemoryQuery filter, String cursor) {
        var memories = new io.mnemo.client.query.api.MemoriesApi(queryClient());
        ApiResponse<MemoryPageResponse> read = retries.call(() -> memories.listMemoriesWithHttpInfo(userId,
                filter.fromUtc(), filter.toUtc(), filter.tags().isEmpty() ? null : filter.tags(),
                filter.text().orElse(null), (long) filter.pageSize(), cursor, positions.of(userId).orElse(null)));
        sawRead(userId, read.getHeaders());
        return read.getData();
    }

    private void sawRead(String userId, Map<String, List<String>> headers) {
        headers.entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase("X-Mnemo-Position"))
                .flatMap(h -> h.getValue().stream()).findFirst().ifPresent(p -> positions.saw(userId, p));
    }

    /** One attempt of a batch, retried as a whole only while nothing of it can have been refused for good. */
    io.mnemo.client.ingest.ApiResponse<BatchResponse> postBatch(BatchRequest batch) throws Exception {
        return new BatchesApi(ingestClient()).captureBatchWithHttpInfo(batch, null);
    }

    Retries retries() {
        return retries;
    }

    Positions positions() {
        return positions;
    }

    io.mnemo.client.ingest.ApiClient ingestClient() {
        if (ingest == null) {
            throw new IllegalStateException("no ingest URL: MnemoClient.builder().ingest(url)");
        }
        return ingest;
    }

    private io.mnemo.client.query.ApiClient queryClient() {
        if (query == null) {
            throw new IllegalStateException("no query URL: MnemoClient.builder().query(url)");
        }
        return query;
    }

    /** Where the services are, the API key, and how patiently to retry. */
    public static final class Builder {
        private URI ingest;
        private URI query;
        private String apiKey;
        private int maxAttempts = 6;
        private Duration firstBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private Retries.Sleeper sleeper = duration -> Thread.sleep(duration.toMillis());

        private Builder() {
        }

        public Builder ingest(String url) {
            this.ingest = URI.create(url);
            return this;
        }

        public Builder query(String url) {
            this.query = URI.create(url);
            return this;
        }

        public Builder apiKey(String key) {
            this.apiKey = key;
            return this;
        }

        /** Attempts per call, the first included (default 6), and the backoff when no Retry-After says. */
        public Builder retries(int attempts, Duration first, Duration max) {
            this.maxAttempts = attempts;
            this.firstBackoff = first;
            this.maxBackoff = max;
            return this;
        }

        Builder sleeper(Retries.Sleeper value) {
            this.sleeper = value;
            return this;
        }

        public MnemoClient build() {
            return new MnemoClient(this);
        }
    }
}
