package io.mnemo.client;

import io.mnemo.client.ingest.api.MemoriesApi;
import io.mnemo.client.ingest.model.CaptureMemoryRequest;
import io.mnemo.client.ingest.model.MemoryAccepted;
import io.mnemo.client.query.model.MemoryResponse;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

/** The README's SDK examples, compiled: ReadmeExamplesTest checks that the README shows them as written here. */
final class ReadmeExamples {
    record Event(String user, String text, Instant at) {
    }

    private ReadmeExamples() {
    }

    static void producer(String apiKey, List<Event> events) {
        // README producer begin
        MnemoClient mnemo = MnemoClient.builder().ingest("http://localhost:8080").apiKey(apiKey).build();
        try (MnemoProducer producer = mnemo.producer()) {     // batches of up to 500, or what came within 20 ms
            for (Event event : events) {
                producer.send(Memory.of(event.user(), event.text()).occurredAt(event.at()).tags("mobile"))
                        .whenComplete((captured, refused) -> {
                            if (refused != null) {                 // this memory's own refusal (422, ...)
                                System.err.println("not recorded: " + refused.getMessage());
                            }
                        });
            }
        }                                                     // close() sends the rest, waits for every outcome
        // README producer end
    }

    static long analyst(String apiKey, String ingestUrl) {
        // README analyst begin
        MnemoClient mnemo = MnemoClient.builder().ingest(ingestUrl).query("http://localhost:8082").apiKey(apiKey)
                .build();
        Captured captured = mnemo.capture(Memory.of("alice", "walked to the lake").tags("walk"));
        MemoryResponse same = mnemo.memory("alice", captured.memoryId());    // reflects the write just made
        long walks = mnemo.memories("alice", MemoryQuery.all().tag("walk")
                        .between(Instant.parse("2026-01-01T00:00:00Z"), Instant.now()))
                .count();                                            // pages fetched as the stream is consumed
        // README analyst end
        return walks + same.getContent().length();
    }

    static MemoryResponse generated(String apiKey, io.mnemo.client.query.ApiClient queryClient) throws Exception {
        // README generated begin
        var client = new io.mnemo.client.ingest.ApiClient().setHost("localhost").setPort(8080)
                .setRequestInterceptor(request -> request.header("Authorization", "Bearer " + apiKey));
        MemoryAccepted accepted = new MemoriesApi(client).captureMemory("alice",
                new CaptureMemoryRequest().occurredAt(OffsetDateTime.now()).content("walked to the lake"), "walk-42",
                null);
        // read it back: the position makes the query service answer with at least this write
        MemoryResponse memory = new io.mnemo.client.query.api.MemoriesApi(queryClient).getMemory("alice",
                accepted.getMemoryId(), accepted.getPosition());
        // README generated end
        return memory;
    }
}
