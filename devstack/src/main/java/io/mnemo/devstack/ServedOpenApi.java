package io.mnemo.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openapi4j.core.validation.ValidationException;
import org.openapi4j.operation.validator.model.impl.Body;
import org.openapi4j.operation.validator.model.impl.DefaultResponse;
import org.openapi4j.operation.validator.validation.RequestValidator;
import org.openapi4j.parser.OpenApi3Parser;
import org.openapi4j.parser.model.v3.OpenApi3;
import org.openapi4j.parser.model.v3.Operation;

/**
 * A service's OpenAPI document as its running instance serves it, and the checks the services' ITs make with it:
 * Redocly's recommended rules, the committed copy clients are generated from, and real answers against the
 * documented ones.
 */
public final class ServedOpenApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String NDJSON = "application/x-ndjson";

    private final String name;
    private final String json;
    private final Path file;
    private final OpenApi3 document;
    private final RequestValidator validator;
    /** "operationId status" of every answer {@link #assertDocuments} accepted, for {@link #assertCoverage}. */
    private final Set<String> validated = ConcurrentHashMap.newKeySet();

    private ServedOpenApi(String name, String json, Path file, OpenApi3 document) {
        this.name = name;
        this.json = json;
        this.file = file;
        this.document = document;
        this.validator = new RequestValidator(document);
    }

    /** Fetches {@code /openapi.json} from a service on a local port; {@code name} names the files written. */
    public static ServedOpenApi fetch(String name, int port) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/openapi.json")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET /openapi.json").isEqualTo(200);
        return of(name, response.body());
    }

    /** A document as served, written to {@code target/openapi/<name>.json} for the tools that read files. */
    static ServedOpenApi of(String name, String json) throws IOException {
        Path file = Path.of("target", "openapi", name + ".json").toAbsolutePath();
        Files.createDirectories(file.getParent());
        Files.writeString(file, json);
        try {
            return new ServedOpenApi(name, json, file, new OpenApi3Parser().parse(file.toUri().toURL(), false));
        } catch (org.openapi4j.core.exception.ResolutionException | ValidationException e) {
            throw new AssertionError("the served document of " + name + " cannot be read: " + e, e);
        }
    }

    /**
     * The committed copy at {@code committedPath} (e.g. {@code clients/openapi/ingest-api.json}), for tests that
     * check answers built without a running service.
     */
    public static ServedOpenApi committed(String name, String committedPath) throws IOException {
        return of(name, Files.readString(repositoryRoot().resolve(committedPath)));
    }

    public JsonNode tree() throws IOException {
        return JSON.readTree(json);
    }

    /** Runs {@code tools/redocly-lint} on the document: Redocly's recommended rules, no error and no warning. */
    public void assertLintClean() throws IOException, InterruptedException {
        Path output = file.resolveSibling(name + ".redocly.json");
        Process lint = new ProcessBuilder(repositoryRoot().resolve("tools/redocly-lint").toString(), "--format",
                "json", file.toString())
                .redirectOutput(output.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(lint.waitFor(5, TimeUnit.MINUTES)).as("redocly lint finished (first use installs it)").isTrue();
        JsonNode report = JSON.readTree(Files.readString(output));
        assertThat(report.path("totals").path("errors").asInt(-1) + report.path("totals").path("warnings").asInt(-1))
                .as("Redocly errors + warnings in %s (exit %d):%n%s", file, lint.exitValue(),
                        report.path("problems").toPrettyString())
                .isZero();
    }

    /**
     * The committed copy that the clients are generated from equals the served document; when it does not, the
     * failure says how to refresh it.
     */
    public void assertCommittedCopyIsCurrent(String committedPath) throws IOException {
        Path committed = repositoryRoot().resolve(committedPath);
        JsonNode expected = Files.exists(committed) ? JSON.readTree(committed.toFile()) : null;
        assertThat(JSON.readTree(json))
                .as("%s differs from what the service serves: the generated clients would not match the API. "
                        + "Refresh it with%n  cp %s %s%nand rebuild the clients module", committedPath, file,
                        committed)
                .isEqualTo(expected);
    }

    /**
     * Checks a real answer of the operation against the document: its status is documented for the operation,
     * and its body (and documented headers) match that response's schema for the answer's content type.
     */
    public void assertDocuments(String operationId, HttpResponse<String> answer) {
        assertDocuments(operationId, answer.statusCode(), answer.headers().map(), answer.body());
    }

    /** As {@link #assertDocuments(String, HttpResponse)}, for an answer read off a raw socket or built in a test. */
    public void assertDocuments(String operationId, int statusCode, Map<String, List<String>> headers, String body) {
        Operation operation = document.getOperationById(operationId);
        assertThat(operation).as("operation %s in the %s document", operationId, name).isNotNull();
        String status = String.valueOf(statusCode);
        assertThat(operation.getResponses()).as("%s documents status %s (answer: %s)", operationId, status,
                body).containsKey(status);
        String contentType = headers.entrySet().stream()
                .filter(header -> header.getKey().equalsIgnoreCase("Content-Type"))
                .flatMap(header -> header.getValue().stream()).findFirst().orElse("");
        // openapi4j reads NDJSON as one string: each line is checked as the documented object instead
        List<Body> bodies = contentType.startsWith(NDJSON) ? lines(operationId, body) : List.of(Body.from(body));
        for (Body each : bodies) {
            DefaultResponse.Builder response = new DefaultResponse.Builder(statusCode).body(each);
            headers.forEach((header, values) -> response.header(header, List.copyOf(values)));
            if (!contentType.isEmpty()) {
                response.header("Content-Type", contentType);
            }
            try {
                validator.validate(response.build(), document.getPathItemByOperationId(operationId), operation);
            } catch (ValidationException e) {
                throw new AssertionError(operationId + " answered " + status + " unlike its document: "
                        + e.results() + "\n" + body, e);
            }
        }
        validated.add(operationId + " " + status);
    }

    private static List<Body> lines(String operationId, String body) {
        List<Body> lines = new java.util.ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                try {
                    lines.add(Body.from(JSON.readTree(line)));
                } catch (IOException e) {
                    throw new AssertionError(operationId + " answered a line that is not JSON: " + line, e);
                }
            }
        }
        assertThat(lines).as("%s: check an %s answer of at least one line", operationId, NDJSON).isNotEmpty();
        return lines;
    }

    /** Every documented (operation, status) pair, as "operationId status". */
    public SortedSet<String> documentedStatuses() {
        SortedSet<String> pairs = new TreeSet<>();
        document.getPaths().values().forEach(path -> path.getOperations().values().forEach(operation ->
                operation.getResponses().keySet().forEach(status ->
                        pairs.add(operation.getOperationId() + " " + status))));
        return pairs;
    }

    /**
     * Every documented (operation, status) pair was accepted by {@link #assertDocuments} on this instance, except
     * exactly those in {@code validatedElsewhere} (pair → the test that checks it instead, and why). Fails on a
     * documented pair no answer showed, and on a listed pair that is no longer documented or is now validated
     * here (so the list cannot go stale).
     */
    public void assertCoverage(Map<String, String> validatedElsewhere) {
        SortedSet<String> unvalidated = documentedStatuses();
        unvalidated.removeAll(validated);
        assertThat(unvalidated)
                .as("documented statuses of %s that no real answer was checked against (validated: %s); answer "
                        + "them in a test, or list them with the test that checks them instead", name,
                        new TreeSet<>(validated))
                .containsExactlyInAnyOrderElementsOf(new TreeSet<>(validatedElsewhere.keySet()));
    }

    /** The repository's root, found upwards from the module the tests run in. */
    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("tools/redocly-lint"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no tools/redocly-lint above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
