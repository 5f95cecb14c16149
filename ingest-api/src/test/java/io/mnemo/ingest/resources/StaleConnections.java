package io.mnemo.ingest.resources;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Sends a test's request through the JDK client, once more on a new connection when the pooled one was already
 * being closed. A request refused before its body was read (401, 403, 413, 415, 429) leaves Jetty closing the
 * connection, and the client may already have taken it from its pool for the next request ("broken pipe",
 * "header parser received no bytes"). The answer is what the tests check, so such a request is sent again, up to
 * twice more; a server that never answers still fails the test.
 */
final class StaleConnections {
    private static final int ATTEMPTS = 3;

    private StaleConnections() {
    }

    static HttpResponse<String> send(HttpClient client, HttpRequest request) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException staleConnection) {
                if (attempt == ATTEMPTS) {
                    throw staleConnection;
                }
            }
        }
    }
}
