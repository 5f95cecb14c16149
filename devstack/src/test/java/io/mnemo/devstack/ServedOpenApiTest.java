package io.mnemo.devstack;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;

/** The response check the services' ITs rely on refuses what the document does not describe. */
class ServedOpenApiTest {
    private static final String ACCEPTED =
            "{\"memoryId\":\"0b6a4c44-5b0e-4d53-9d4c-1f1f8f0c2f6e\",\"position\":\"3:1\"}";

    private static ServedOpenApi ingest() throws Exception {
        return ServedOpenApi.of("ingest-api-test", Files.readString(ServedOpenApi.repositoryRoot()
                .resolve("clients/openapi/ingest-api.json")));
    }

    @Test
    void acceptsAnAnswerAsDocumented() throws Exception {
        ingest().assertDocuments("captureMemory", answer(202, "application/json", ACCEPTED));
    }

    @Test
    void refusesABodyThatDoesNotMatchTheStatusSchema() throws Exception {
        ServedOpenApi document = ingest();

        assertThatThrownBy(() -> document.assertDocuments("captureMemory", answer(202, "application/json",
                "{\"memoryId\":\"0b6a4c44-5b0e-4d53-9d4c-1f1f8f0c2f6e\"}")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("position");
        assertThatThrownBy(() -> document.assertDocuments("captureMemory", answer(422, "application/problem+json",
                "{\"type\":\"urn:mnemo:problem:validation-failed\",\"title\":\"Invalid input\",\"status\":\"422\"}")))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void refusesAStatusTheOperationDoesNotDocument() throws Exception {
        ServedOpenApi document = ingest();

        assertThatThrownBy(() -> document.assertDocuments("eraseUser", answer(404, "application/problem+json",
                "{\"type\":\"urn:mnemo:problem:not-found\",\"title\":\"Not found\",\"status\":404}")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("documents status 404");
    }

    @Test
    void checksEachLineOfAnNdjsonAnswerAgainstTheSchema() throws Exception {
        ServedOpenApi query = ServedOpenApi.committed("query-service-test", "clients/openapi/query-service.json");
        String line = "{\"memoryId\":\"0b6a4c44-5b0e-4d53-9d4c-1f1f8f0c2f6e\",\"userId\":\"u\","
                + "\"occurredAt\":\"2026-10-02T10:00:00Z\",\"recordedAt\":\"2026-10-02T10:00:01Z\","
                + "\"content\":\"c\",\"tags\":[],\"attributes\":{},\"media\":[],\"version\":1}";

        query.assertDocuments("exportMemories", answer(200, "application/x-ndjson", line + "\n" + line + "\n"));
        assertThatThrownBy(() -> query.assertDocuments("exportMemories", answer(200, "application/x-ndjson",
                line + "\n{\"memoryId\":42}\n")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("memoryId");
    }

    @Test
    void coverageFailsOnADocumentedStatusNoAnswerShowedAndOnAStaleListOfExceptions() throws Exception {
        ServedOpenApi document = ingest();
        document.assertDocuments("captureMemory", answer(202, "application/json", ACCEPTED));
        Map<String, String> elsewhere = new java.util.TreeMap<>();
        document.documentedStatuses().forEach(pair -> elsewhere.put(pair, "another test"));
        elsewhere.remove("captureMemory 202");

        document.assertCoverage(elsewhere);
        elsewhere.remove("eraseUser 202");
        assertThatThrownBy(() -> document.assertCoverage(elsewhere))
                .isInstanceOf(AssertionError.class).hasMessageContaining("eraseUser 202");
        elsewhere.put("eraseUser 202", "another test");
        elsewhere.put("captureMemory 202", "validated here after all");
        assertThatThrownBy(() -> document.assertCoverage(elsewhere))
                .isInstanceOf(AssertionError.class).hasMessageContaining("captureMemory 202");
    }

    private static HttpResponse<String> answer(int status, String contentType, String body) {
        return new Answer(status, HttpHeaders.of(Map.of("Content-Type", List.of(contentType)), (name, value) -> true),
                body);
    }

    /** A fake answer: only status, headers and body are read. */
    private record Answer(int statusCode, HttpHeaders headers, String body) implements HttpResponse<String> {
        @Override
        public HttpRequest request() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<HttpResponse<String>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return URI.create("http://127.0.0.1/");
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
