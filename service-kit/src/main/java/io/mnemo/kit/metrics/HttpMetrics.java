package io.mnemo.kit.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.mnemo.kit.auth.Caller;
import io.mnemo.kit.problems.Problem;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.glassfish.jersey.server.ExtendedUriInfo;
import org.glassfish.jersey.uri.UriTemplate;

/**
 * Per-request metrics of an HTTP service: {@code mnemo.<service>.http.requests} (a latency histogram by method,
 * route template and status) and {@code mnemo.<service>.rejected} (by problem type and tenant) for every
 * error answer, whether a resource, a mapper or a filter produced it.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION - 200)
public final class HttpMetrics implements ContainerRequestFilter, ContainerResponseFilter {
    private static final String STARTED = "mnemo.metrics.started";

    private final MeterRegistry registry;
    private final String prefix;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    public HttpMetrics(MeterRegistry registry, String service) {
        this.registry = registry;
        this.prefix = "mnemo." + service;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        request.setProperty(STARTED, System.nanoTime());
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object started = request.getProperty(STARTED);
        if (started == null) {
            return;
        }
        String method = request.getMethod();
        String route = route(request);
        int status = response.getStatus();
        // one timer per method, route and status, found by a map lookup: building and registering a meter on
        // every request cost more than recording into it
        timers.computeIfAbsent(method + ' ' + status + ' ' + route, key -> Timer.builder(prefix + ".http.requests")
                        .description("HTTP requests by route and status")
                        .tag("method", method)
                        .tag("route", route)
                        .tag("status", Integer.toString(status))
                        .publishPercentileHistogram()
                        .maximumExpectedValue(Duration.ofSeconds(30))
                        .register(registry))
                .record(Duration.ofNanos(System.nanoTime() - (Long) started));
        if (response.getStatus() >= 400) {
            Counter.builder(prefix + ".rejected")
                    .description("Requests answered with an error, by reason")
                    .tag("reason", reason(response))
                    .tag("tenant", tenant(request))
                    .register(registry)
                    .increment();
        }
    }

    private static String reason(ContainerResponseContext response) {
        if (response.getEntity() instanceof Problem problem && problem.type() != null) {
            String type = problem.type().toString();
            return type.substring(type.lastIndexOf(':') + 1);
        }
        return "http-" + response.getStatus();
    }

    private static String tenant(ContainerRequestContext request) {
        var security = request.getSecurityContext();
        return security != null && security.getUserPrincipal() instanceof Caller caller ? caller.tenantId() : "none";
    }

    /** The matched route template (bounded cardinality), or "unmatched". */
    private static String route(ContainerRequestContext request) {
        if (request.getUriInfo() instanceof ExtendedUriInfo info && !info.getMatchedTemplates().isEmpty()) {
            List<String> parts = new ArrayList<>();
            for (UriTemplate template : info.getMatchedTemplates()) {
                parts.add(template.getTemplate());
            }
            Collections.reverse(parts);
            return String.join("", parts).replace("//", "/");
        }
        return "unmatched";
    }
}
