package io.mnemo.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sits in front of a service and, for the first requests, forwards them but drops the connection instead of
 * relaying the answer: what a client sees when the instance that took its write dies before answering.
 */
final class AnswerDroppingProxy implements AutoCloseable {
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "host", "transfer-encoding",
            "upgrade", "expect", "keep-alive");

    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private volatile String target;
    private final AtomicInteger toDrop;
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicInteger upstreamFailures = new AtomicInteger();

    AnswerDroppingProxy(String target, int answersToDrop) throws IOException {
        this.target = target;
        this.toDrop = new AtomicInteger(answersToDrop);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::forward);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int dropped() {
        return dropped.get();
    }

    /** Requests the target failed under (refused or cut off): each left its client without an answer. */
    int upstreamFailures() {
        return upstreamFailures.get();
    }

    /** From now on, forwards to another instance (the one that survived). */
    void retarget(String url) {
        this.target = url;
    }

    private void forward(HttpExchange exchange) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(
                        exchange.getRequestBody().readAllBytes()));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        HttpResponse<byte[]> answer;
        try {
            answer = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.close();
            return;
        } catch (IOException instanceDied) {
            upstreamFailures.incrementAndGet();
            exchange.close(); // as a load balancer whose backend died under the request: no answer
            return;
        }
        if (toDrop.getAndDecrement() > 0) {
            dropped.incrementAndGet();
            exchange.close(); // the write happened; its answer never arrives
            return;
        }
        answer.headers().map().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                exchange.getResponseHeaders().put(name, values);
            }
        });
        exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
        exchange.getResponseBody().write(answer.body());
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
