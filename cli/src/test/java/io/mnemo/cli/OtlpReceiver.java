package io.mnemo.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An OTLP http/protobuf trace receiver ({@code POST /v1/traces}) in the test's JVM: decodes the spans it is sent
 * with a minimal protobuf wire reader (the fields of {@code opentelemetry-proto}'s trace messages that tests
 * assert on), so no collector and no generated proto classes are needed.
 */
final class OtlpReceiver implements AutoCloseable {
    /** A received span; ids in lower-case hex, links as (trace id, span id) pairs. */
    record ReceivedSpan(String service, String name, String traceId, String spanId, String parentSpanId,
                        List<List<String>> links) {
    }

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();

    OtlpReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        server.createContext("/v1/traces", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                spans.addAll(decode(body.readAllBytes()));
            }
            // an empty ExportTraceServiceResponse: everything accepted
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** ExportTraceServiceRequest: 1 resource_spans { 1 resource { 1 attributes }, 2 scope_spans { 2 spans } }. */
    static List<ReceivedSpan> decode(byte[] request) {
        List<ReceivedSpan> decoded = new ArrayList<>();
        for (byte[] resourceSpans : fields(request).getOrDefault(1, List.of()).stream().map(byte[].class::cast).toList()) {
            Map<Integer, List<Object>> resourceFields = fields(resourceSpans);
            String service = serviceName(resourceFields.getOrDefault(1, List.of()));
            for (Object scopeSpans : resourceFields.getOrDefault(2, List.of())) {
                for (Object span : fields((byte[]) scopeSpans).getOrDefault(2, List.of())) {
                    decoded.add(span(service, fields((byte[]) span)));
                }
            }
        }
        return decoded;
    }

    /** Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 13 links { 1 trace_id, 2 span_id }. */
    private static ReceivedSpan span(String service, Map<Integer, List<Object>> span) {
        List<List<String>> links = new ArrayList<>();
        for (Object link : span.getOrDefault(13, List.of())) {
            Map<Integer, List<Object>> linkFields = fields((byte[]) link);
            links.add(List.of(hex(linkFields, 1), hex(linkFields, 2)));
        }
        return new ReceivedSpan(service, text(span, 5), hex(span, 1), hex(span, 2), hex(span, 4), links);
    }

    /** Resource { 1 attributes: KeyValue { 1 key, 2 value: AnyValue { 1 string_value } } }. */
    private static String serviceName(List<Object> resource) {
        for (Object r : resource) {
            for (Object attribute : fields((byte[]) r).getOrDefault(1, List.of())) {
                Map<Integer, List<Object>> keyValue = fields((byte[]) attribute);
                if ("service.name".equals(text(keyValue, 1))) {
                    return text(fields((byte[]) keyValue.get(2).get(0)), 1);
                }
            }
        }
        return "";
    }

    private static String text(Map<Integer, List<Object>> message, int field) {
        List<Object> values = message.getOrDefault(field, List.of());
        return values.isEmpty() ? "" : new String((byte[]) values.get(0), StandardCharsets.UTF_8);
    }

    private static String hex(Map<Integer, List<Object>> message, int field) {
        List<Object> values = message.getOrDefault(field, List.of());
        return values.isEmpty() ? "" : HexFormat.of().formatHex((byte[]) values.get(0));
    }

    /** One message's fields by number: varints and fixed numbers as Long, length-delimited ones as byte[]. */
    static Map<Integer, List<Object>> fields(byte[] message) {
        Map<Integer, List<Object>> fields = new TreeMap<>();
        int[] at = {0};
        while (at[0] < message.length) {
            long tag = varint(message, at);
            int number = (int) (tag >>> 3);
            Object value = switch ((int) (tag & 7)) {
                case 0 -> varint(message, at);
                case 1 -> fixed(message, at, 8);
                case 5 -> fixed(message, at, 4);
                case 2 -> {
                    int length = (int) varint(message, at);
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream(length);
                    bytes.write(message, at[0], length);
                    at[0] += length;
                    yield bytes.toByteArray();
                }
                default -> throw new IllegalArgumentException("unsupported wire type in tag " + tag);
            };
            fields.computeIfAbsent(number, n -> new ArrayList<>()).add(value);
        }
        return fields;
    }

    private static long varint(byte[] bytes, int[] at) {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = bytes[at[0]++];
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
    }

    private static long fixed(byte[] bytes, int[] at, int width) {
        long value = 0;
        for (int i = 0; i < width; i++) {
            value |= (long) (bytes[at[0]++] & 0xff) << (8 * i);
        }
        return value;
    }
}
