package io.mnemo.devstack.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded, Confluent-compatible schema registry for devstack: the subset of the Schema Registry REST API
 * Mnemo's serde and registry client use (register, look up, fetch by id, list subjects and versions,
 * compatibility config and checks), with schemas and ids persisted in the compacted Kafka topic
 * {@code _schemas} so they survive restarts. Confluent's own registry cannot be obtained here (INFRA-NOTES).
 *
 * <p>Differences from Confluent: Avro only, no schema references, no deletes, no modes, the global default
 * compatibility is {@code BACKWARD_TRANSITIVE} (Mnemo's policy) and several instances sharing the topic do
 * not elect a leader.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

    private final ObjectMapper json = new ObjectMapper();
    private final SchemaStore store;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String url;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedSchemaRegistry(SchemaStore store, HttpServer server, ExecutorService executor, String host) {
        this.store = store;
        this.server = server;
        this.executor = executor;
        String urlHost = host.contains(":") ? "[" + host + "]" : host;
        this.url = "http://" + urlHost + ":" + server.getAddress().getPort();
    }

    /**
     * Rebuilds the registry's state from Kafka (creating {@code _schemas} if needed) and starts serving.
     *
     * @param port the port to listen on, 0 for a free one
     */
    public static EmbeddedSchemaRegistry start(String kafkaBootstrap, String host, int port) {
        SchemaStore store = SchemaStore.open(kafkaBootstrap);
        ExecutorService executor = null;
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
            AtomicInteger threads = new AtomicInteger();
            executor = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "schema-registry-http-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(store, server, executor, host);
            server.createContext("/", registry::handle);
            server.start();
            LOG.info("Embedded schema registry listening on {} (Kafka {})", registry.url, kafkaBootstrap);
            return registry;
        } catch (IOException | RuntimeException e) {
            if (executor != null) {
                executor.shutdownNow();
            }
            store.close();
            throw new IllegalStateException("Could not start the embedded schema registry on " + host + ":" + port, e);
        }
    }

    /** The base URL clients use, e.g. {@code http://127.0.0.1:8081}. */
    public String url() {
        return url;
    }

    /** The port it listens on (the chosen one when started with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops serving and closes the Kafka clients; calling it again does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status = 200;
            Object body;
            try {
                body = route(exchange);
            } catch (RegistryException e) {
                status = e.status();
                body = error(e.errorCode(), e.getMessage());
            } catch (JsonProcessingException e) {
                status = 400;
                body = error(400, "Malformed JSON body: " + e.getOriginalMessage());
            } catch (RuntimeException e) {
                LOG.error("Schema registry request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                status = 500;
                body = error(RegistryException.STORE_ERROR, "Internal error: " + e);
            }
            byte[] bytes = json.writeValueAsBytes(body);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Object route(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        List<String> path = segments(exchange.getRequestURI().getRawPath());
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        int n = path.size();
        String root = n == 0 ? "" : path.get(0);
        switch (root) {
            case "" -> {
                return json.createObjectNode(); // Confluent answers GET / with {}, handy as a liveness probe
            }
            case "schemas" -> {
                if (n == 3 && path.get(1).equals("ids")) {
                    requireMethod(method, "GET");
                    return json.createObjectNode().put("schema", store.schemaById(parseId(path.get(2))));
                }
            }
            case "subjects" -> {
                if (n == 1) {
                    requireMethod(method, "GET");
                    return store.subjects();
                }
                String subject = path.get(1);
                if (n == 2) {
                    requireMethod(method, "POST");
                    return versionJson(store.lookup(subject, schemaFrom(exchange)));
                }
                if (n == 3 && path.get(2).equals("versions")) {
                    if (method.equals("POST")) {
                        return json.createObjectNode().put("id", store.register(subject, schemaFrom(exchange)));
                    }
                    requireMethod(method, "GET");
                    return store.versions(subject);
                }
                if (n == 4 && path.get(2).equals("versions")) {
                    requireMethod(method, "GET");
                    return versionJson(store.version(subject, parseVersion(path.get(3))));
                }
            }
            case "config" -> {
                if (n <= 2) {
                    String subject = n == 2 ? path.get(1) : null;
                    if (method.equals("PUT")) {
                        return putConfig(subject, exchange);
                    }
                    requireMethod(method, "GET");
                    return getConfig(subject, Boolean.parseBoolean(query.get("defaultToGlobal")));
                }
            }
            case "compatibility" -> {
                // /compatibility/subjects/{s}/versions[/{v}]
                if ((n == 4 || n == 5) && path.get(1).equals("subjects") && path.get(3).equals("versions")) {
                    requireMethod(method, "POST");
                    // As Confluent: .../versions/{v} (also "latest") checks against that one version; .../versions
                    // without a version checks against what the subject's compatibility level names.
                    OptionalInt version = n == 5
                            ? OptionalInt.of(store.version(path.get(2), parseVersion(path.get(4))).version())
                            : OptionalInt.empty();
                    Optional<String> problem = store.incompatibility(path.get(2), schemaFrom(exchange), version);
                    ObjectNode result = json.createObjectNode().put("is_compatible", problem.isEmpty());
                    if (Boolean.parseBoolean(query.get("verbose"))) {
                        ArrayNode messages = result.putArray("messages");
                        problem.ifPresent(messages::add);
                    }
                    return result;
                }
            }
            default -> {
                // falls through to 404 below
            }
        }
        throw new RegistryException(404, 404, "HTTP 404 Not Found: " + method + " " + exchange.getRequestURI().getPath());
    }

    private Object getConfig(String subject, boolean defaultToGlobal) {
        CompatibilityLevel level;
        if (subject == null) {
            level = store.globalLevel();
        } else {
            Optional<CompatibilityLevel> own = store.subjectLevel(subject);
            if (own.isEmpty() && !defaultToGlobal) {
                throw new RegistryException(404, RegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                        "Subject '" + subject + "' does not have subject-level compatibility configured");
            }
            level = own.orElseGet(store::globalLevel);
        }
        return json.createObjectNode().put("compatibilityLevel", level.name());
    }

    private Object putConfig(String subject, HttpExchange exchange) throws IOException {
        JsonNode body = body(exchange);
        String requested = body.path("compatibility").asText(null);
        CompatibilityLevel level = CompatibilityLevel.parse(requested).orElseThrow(() -> new RegistryException(422,
                RegistryException.INVALID_COMPATIBILITY_LEVEL, "Invalid compatibility level: " + requested
                        + " (valid: NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE)"));
        store.setLevel(subject, level);
        return json.createObjectNode().put("compatibility", level.name());
    }

    private ObjectNode versionJson(SchemaStore.Version v) {
        return json.createObjectNode()
                .put("subject", v.subject()).put("version", v.version()).put("id", v.id()).put("schema", v.schema());
    }

    private Schema schemaFrom(HttpExchange exchange) throws IOException {
        JsonNode body = body(exchange);
        String schemaType = body.path("schemaType").asText("AVRO");
        if (!schemaType.equals("AVRO")) {
            throw new RegistryException(422, RegistryException.INVALID_SCHEMA,
                    "Only AVRO schemas are supported, not " + schemaType);
        }
        if (body.path("references").size() > 0) {
            throw new RegistryException(422, RegistryException.INVALID_SCHEMA, "Schema references are not supported");
        }
        JsonNode schema = body.path("schema");
        return SchemaStore.parse(schema.isTextual() ? schema.asText() : null);
    }

    private JsonNode body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                throw new RegistryException(413, 413, "Request body larger than " + MAX_BODY_BYTES + " bytes");
            }
            JsonNode node = bytes.length == 0 ? null : json.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new RegistryException(400, 400, "Request body must be a JSON object");
            }
            return node;
        }
    }

    private static void requireMethod(String actual, String expected) {
        if (!actual.equals(expected)) {
            throw new RegistryException(405, 405, "HTTP 405 Method Not Allowed: " + actual);
        }
    }

    private static int parseId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new RegistryException(404, RegistryException.SCHEMA_NOT_FOUND, "Schema " + text + " not found");
        }
    }

    /** "latest" (or -1, as Confluent accepts) → empty; a positive number → that version. */
    private static OptionalInt parseVersion(String text) {
        if (text.equals("latest")) {
            return OptionalInt.empty();
        }
        try {
            int v = Integer.parseInt(text);
            if (v == -1) {
                return OptionalInt.empty();
            }
            if (v > 0) {
                return OptionalInt.of(v);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new RegistryException(422, RegistryException.INVALID_VERSION,
                "The specified version '" + text + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    /** Path segments, percent-decoded one by one so a subject may contain an encoded '/'. */
    private static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                segments.add(decode(s));
            }
        }
        return segments;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> params = new HashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
                } else if (!pair.isEmpty()) {
                    params.put(decode(pair), "");
                }
            }
        }
        return params;
    }

    private static String decode(String s) {
        // URLDecoder is form decoding: protect a literal '+' so only %XX escapes are decoded
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private ObjectNode error(int code, String message) {
        return json.createObjectNode().put("error_code", code).put("message", message);
    }
}
