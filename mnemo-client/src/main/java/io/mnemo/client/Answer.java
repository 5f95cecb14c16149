package io.mnemo.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** A failed call of either generated client, as the retry logic sees it: its status, Retry-After and body. */
record Answer(int status, Optional<Duration> retryAfter, String body, Exception cause) {
    /** No answer (connection refused or reset, timeout), overloaded or unavailable: the same write may succeed. */
    private static final Set<Integer> TRANSIENT = Set.of(0, 408, 429, 502, 503, 504);
    private static final ObjectMapper JSON = new ObjectMapper();

    static Answer of(Exception e) {
        if (e instanceof io.mnemo.client.ingest.ApiException ingest) {
            return new Answer(ingest.getCode(), retryAfter(ingest.getResponseHeaders()), ingest.getResponseBody(), e);
        }
        if (e instanceof io.mnemo.client.query.ApiException query) {
            return new Answer(query.getCode(), retryAfter(query.getResponseHeaders()), query.getResponseBody(), e);
        }
        if (e instanceof IOException) {
            return new Answer(0, Optional.empty(), null, e);
        }
        throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
    }

    boolean isTransient() {
        return TRANSIENT.contains(status);
    }

    MnemoException toException() {
        String type = "";
        String detail = cause.getMessage();
        if (body != null && !body.isBlank()) {
            try {
                JsonNode problem = JSON.readTree(body);
                type = problem.path("type").asText("");
                detail = problem.path("detail").asText(detail);
            } catch (IOException notJson) {
                detail = body;
            }
        }
        return new MnemoException(status, type, detail, retryAfter, body, cause);
    }

    static Optional<Duration> retryAfter(HttpHeaders headers) {
        if (headers == null) {
            return Optional.empty();
        }
        return headers.firstValue("Retry-After").flatMap(Answer::seconds);
    }

    static Optional<Duration> seconds(String value) {
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(value.trim())));
        } catch (NumberFormatException httpDate) {
            return Optional.empty();
        }
    }
}
