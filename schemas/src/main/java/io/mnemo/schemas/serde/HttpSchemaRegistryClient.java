package io.mnemo.schemas.serde;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A {@link SchemaRegistryClient} speaking the Confluent Schema Registry REST API over {@link HttpClient}, for
 * production registries and devstack's embedded one alike. Registered ids and schemas by id are cached
 * (ids are immutable), so a serializer or deserializer calls the registry once per schema.
 *
 * <p>Credentials for HTTP basic auth may be given in the URL ({@code https://user:secret@registry:8081}); they
 * are sent as an {@code Authorization} header and never appear in messages.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {
    /** The default bound on connecting and on each request. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT = "application/vnd.schemaregistry.v1+json, "
            + "application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http;
    private final URI base;
    private final String displayUrl;
    private final Optional<String> authorization;
    private final Duration timeout;

    /** Keyed by subject and canonical schema text: that is what a registry compares, not {@link Schema#equals}. */
    private final Map<SubjectSchema, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

    private record SubjectSchema(String subject, String canonical) {
    }

    public HttpSchemaRegistryClient(String baseUrl) {
        this(baseUrl, DEFAULT_TIMEOUT);
    }

    /** @param timeout bounds connecting and every request, so a hung registry fails a caller instead of blocking it */
    public HttpSchemaRegistryClient(String baseUrl, Duration timeout) {
        URI uri = URI.create(Objects.requireNonNull(baseUrl, "baseUrl").replaceAll("/+$", ""));
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("Schema registry URL must be absolute, like http://host:8081, not " + baseUrl);
        }
        this.authorization = Optional.ofNullable(uri.getRawUserInfo())
                .map(info -> "Basic " + Base64.getEncoder().encodeToString(
                        decode(info).getBytes(StandardCharsets.UTF_8)));
        this.base = URI.create(uri.getScheme() + "://" + uri.getRawAuthority().replaceFirst("^.*@", "")
                + (uri.getRawPath() == null ? "" : uri.getRawPath()));
        this.displayUrl = base.toString();
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** The registry's base URL, without credentials. */
    public String url() {
        return displayUrl;
    }

    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema.toString());
        Integer cached = ids.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode response = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(key.canonical()));
        int id = requireInt(response, "id");
        ids.put(key, id);
        schemas.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public OptionalInt lookup(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema.toString());
        Integer cached = ids.get(key);
        if (cached != null) {
            return OptionalInt.of(cached);
        }
        try {
            JsonNode response = send("POST", "/subjects/" + encode(subject), schemaBody(key.canonical()));
            int id = requireInt(response, "id");
            ids.put(key, id);
            schemas.putIfAbsent(id, schema);
            return OptionalInt.of(id);
        } catch (SchemaRegistryException e) {
            // not cached: it may be registered a moment later
            if (e.httpStatus() == 404 && (e.errorCode() == 40401 || e.errorCode() == 40403)) {
                return OptionalInt.empty();
            }
            throw e;
        }
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemas.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode response = send("GET", "/schemas/ids/" + id, null);
        String type = response.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new SchemaRegistryException(200, SchemaRegistryException.NO_ERROR_CODE,
                    "Schema " + id + " at " + displayUrl + " is " + type + ", not AVRO");
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(requireText(response, "schema"));
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(200, SchemaRegistryException.NO_ERROR_CODE,
                    "Schema " + id + " from " + displayUrl + " is not valid Avro: " + e.getMessage(), e);
        }
        Schema raced = schemas.putIfAbsent(id, schema);
        return raced != null ? raced : schema;
    }

    @Override
    public List<String> subjects() {
        return convert(send("GET", "/subjects", null), new TypeReference<List<String>>() { });
    }

    @Override
    public List<Integer> versions(String subject) {
        try {
            return convert(send("GET", "/subjects/" + encode(subject) + "/versions", null),
                    new TypeReference<List<Integer>>() { });
        } catch (SchemaRegistryException e) {
            if (e.httpStatus() == 404 && e.errorCode() == 40401) {
                return List.of();
            }
            throw e;
        }
    }

    @Override
    public String compatibility(String subjectOrNullForGlobal) {
        if (subjectOrNullForGlobal == null) {
            return requireText(send("GET", "/config", null), "compatibilityLevel");
        }
        try {
            return requireText(send("GET", "/config/" + encode(subjectOrNullForGlobal) + "?defaultToGlobal=true", null),
                    "compatibilityLevel");
        } catch (SchemaRegistryException e) {
            // registries without defaultToGlobal answer "no subject-level config" (40408, or 40401 on old versions)
            if (e.httpStatus() == 404 && (e.errorCode() == 40408 || e.errorCode() == 40401)) {
                return requireText(send("GET", "/config", null), "compatibilityLevel");
            }
            throw e;
        }
    }

    @Override
    public void setCompatibility(String subjectOrNullForGlobal, String level) {
        String path = subjectOrNullForGlobal == null ? "/config" : "/config/" + encode(subjectOrNullForGlobal);
        send("PUT", path, json.createObjectNode().put("compatibility", level).toString());
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        try {
            // No version in the path: the registry checks against every version the subject's level requires
            // (".../versions/latest" would check the latest one only, even under a *_TRANSITIVE level).
            JsonNode response = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions",
                    schemaBody(schema.toString()));
            JsonNode answer = response.get("is_compatible");
            if (answer == null || !answer.isBoolean()) {
                throw new SchemaRegistryException(200, SchemaRegistryException.NO_ERROR_CODE,
                        "Schema registry at " + displayUrl + " answered without is_compatible: " + response);
            }
            return answer.booleanValue();
        } catch (SchemaRegistryException e) {
            // older Confluent versions answer 40401 for a subject without versions, where anything is compatible
            if (e.httpStatus() == 404 && e.errorCode() == 40401) {
                return true;
            }
            throw e;
        }
    }

    private String schemaBody(String canonical) {
        return json.createObjectNode().put("schema", canonical).toString();
    }

    private JsonNode send(String method, String pathAndQuery, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(timeout)
                .header("Accept", ACCEPT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE);
        }
        authorization.ifPresent(value -> request.header("Authorization", value));
        String what = method + " " + displayUrl + pathAndQuery;
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SchemaRegistryException(SchemaRegistryException.NO_RESPONSE, SchemaRegistryException.NO_ERROR_CODE,
                    "Schema registry request " + what + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(SchemaRegistryException.NO_RESPONSE, SchemaRegistryException.NO_ERROR_CODE,
                    "Interrupted during schema registry request " + what, e);
        }
        JsonNode parsed = parse(response.body());
        int status = response.statusCode();
        if (status / 100 != 2) {
            int errorCode = parsed != null && parsed.path("error_code").canConvertToInt()
                    ? parsed.path("error_code").asInt() : SchemaRegistryException.NO_ERROR_CODE;
            String message = parsed != null && parsed.hasNonNull("message") ? parsed.get("message").asText()
                    : abbreviate(response.body());
            throw new SchemaRegistryException(status, errorCode,
                    "Schema registry request " + what + " failed with HTTP " + status
                            + (errorCode == SchemaRegistryException.NO_ERROR_CODE ? "" : " (error_code " + errorCode + ")")
                            + ": " + message);
        }
        if (parsed == null) {
            throw new SchemaRegistryException(status, SchemaRegistryException.NO_ERROR_CODE,
                    "Schema registry request " + what + " returned a non-JSON body: " + abbreviate(response.body()));
        }
        return parsed;
    }

    private JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private <T> T convert(JsonNode node, TypeReference<T> type) {
        try {
            return json.convertValue(node, type);
        } catch (IllegalArgumentException e) {
            throw new SchemaRegistryException(200, SchemaRegistryException.NO_ERROR_CODE,
                    "Unexpected answer from schema registry at " + displayUrl + ": " + abbreviate(node.toString()), e);
        }
    }

    private int requireInt(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new SchemaRegistryException(200, SchemaRegistryException.NO_ERROR_CODE,
                    "Schema registry at " + displayUrl + " answered without " + field + ": " + abbreviate(node.toString()));
        }
        return value.asInt();
    }

    private String requireText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new SchemaRegistryException(200, SchemaRegistryException.NO_ERROR_CODE,
                    "Schema registry at " + displayUrl + " answered without " + field + ": " + abbreviate(node.toString()));
        }
        return value.asText();
    }

    private static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= 300 ? text : text.substring(0, 300) + "…";
    }

    /** Percent-encodes one path segment: subjects contain dots and dashes, and may contain anything. */
    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String decode(String userInfo) {
        return java.net.URLDecoder.decode(userInfo.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
