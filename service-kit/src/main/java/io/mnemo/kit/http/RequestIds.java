package io.mnemo.kit.http;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Accepts the caller's {@code X-Request-Id} (or makes one), puts it in the log context and echoes it on the
 * response, so a client report, a problem body and a log line can be matched.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION - 100)
public final class RequestIds implements ContainerRequestFilter, ContainerResponseFilter {
    public static final String HEADER = "X-Request-Id";
    private static final String PROPERTY = "mnemo.requestId";
    private static final Pattern ACCEPTABLE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    @Override
    public void filter(ContainerRequestContext request) {
        String given = request.getHeaderString(HEADER);
        String id = given != null && ACCEPTABLE.matcher(given).matches() ? given : UUID.randomUUID().toString();
        request.setProperty(PROPERTY, id);
        MDC.put("requestId", id);
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object id = request.getProperty(PROPERTY);
        if (id != null) {
            response.getHeaders().putSingle(HEADER, id);
        }
        MDC.remove("requestId");
    }

    /**
     * Runs {@code action} (e.g. resuming an asynchronous response on another thread) with {@code requestId} as the
     * current request's id, so problem bodies and log lines written there carry it.
     */
    public static void within(String requestId, Runnable action) {
        if (requestId == null) {
            action.run();
            return;
        }
        MDC.put("requestId", requestId);
        try {
            action.run();
        } finally {
            MDC.remove("requestId");
        }
    }

    /** The id of the request being served on this thread, or null outside a request. */
    public static String current() {
        return MDC.get("requestId");
    }
}
