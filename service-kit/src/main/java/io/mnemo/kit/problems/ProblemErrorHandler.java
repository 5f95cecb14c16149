package io.mnemo.kit.problems;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answers Jetty writes itself, before a request reaches Jersey (a URI too long, an ambiguous {@code %2F} or
 * {@code %2E%2E} segment, a bad header line, a body that ends early), as problem+json like every other error,
 * instead of Jetty's HTML page. The detail is Jetty's reason only when it cannot name a class; never a stack trace.
 */
public final class ProblemErrorHandler extends ErrorHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CLASS_NAME = Pattern.compile("Exception|Error|\\b[a-z]+\\.[a-z]+\\.");

    public ProblemErrorHandler() {
        setShowStacks(false);
    }

    /** Jetty writes a body for GET and POST only; a refused PATCH or DELETE deserves the problem too. */
    @Override
    public boolean errorPageForMethod(String method) {
        return !"HEAD".equalsIgnoreCase(method);
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) throws IOException {
        String reason = HttpStatus.getMessage(code);
        ProblemType type = switch (code) {
            case 400 -> ProblemType.MALFORMED_REQUEST;
            case 404 -> ProblemType.NOT_FOUND;
            case 500 -> ProblemType.INTERNAL_ERROR;
            default -> new ProblemType(reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-"), reason, code);
        };
        String detail = code < 500 && message != null && !message.isBlank() && !CLASS_NAME.matcher(message).find()
                ? message : reason;
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", type.uri().toString());
        problem.put("title", type.title());
        problem.put("status", code);
        problem.put("detail", detail);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
        response.write(true, ByteBuffer.wrap(JSON.writeValueAsBytes(problem)), callback);
    }
}
