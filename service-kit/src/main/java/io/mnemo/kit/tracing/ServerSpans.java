package io.mnemo.kit.tracing;

import io.dropwizard.core.setup.Environment;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Context;
import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import org.glassfish.jersey.server.ExtendedUriInfo;
import org.glassfish.jersey.uri.UriTemplate;

/**
 * A server span per HTTP request, a child of the request's {@code traceparent} when it has one, current while the
 * request is served on its thread (so what the request publishes carries the span's context) and ended when the
 * response is complete, asynchronous ones included. A servlet filter rather than a Jersey one: only it sees the
 * whole request on one thread, so its scope always closes where it opened.
 */
public final class ServerSpans implements Filter {
    private final Tracing tracing;

    private ServerSpans(Tracing tracing) {
        this.tracing = tracing;
    }

    /** Registers the filter and the span naming on the application's requests; nothing when tracing is off. */
    public static void register(Environment environment, Tracing tracing) {
        if (!tracing.enabled()) {
            return;
        }
        var filter = environment.servlets().addFilter("tracing", new ServerSpans(tracing));
        filter.setAsyncSupported(true);
        filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
        environment.jersey().register(new RouteNames());
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        Span span = tracing.startChild(http.getMethod(), SpanKind.SERVER, http.getHeader(Tracing.TRACEPARENT));
        span.setAttribute("http.request.method", http.getMethod());
        span.setAttribute("url.path", http.getRequestURI());
        try (Scope ignored = span.makeCurrent()) {
            chain.doFilter(request, response);
        } catch (IOException | ServletException | RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
            span.end();
            throw e;
        }
        if (request.isAsyncStarted()) {
            request.getAsyncContext().addListener(new EndOnCompletion(span, (HttpServletResponse) response));
        } else {
            end(span, (HttpServletResponse) response);
        }
    }

    private static void end(Span span, HttpServletResponse response) {
        span.setAttribute("http.response.status_code", (long) response.getStatus());
        if (response.getStatus() >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    private record EndOnCompletion(Span span, HttpServletResponse response) implements AsyncListener {
        @Override
        public void onComplete(AsyncEvent event) {
            end(span, response);
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            span.setStatus(StatusCode.ERROR, "timeout");
        }

        @Override
        public void onError(AsyncEvent event) {
            if (event.getThrowable() != null) {
                span.recordException(event.getThrowable());
            }
            span.setStatus(StatusCode.ERROR);
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }

    /** Names the server span {@code METHOD /route/{template}} once Jersey has matched the resource method. */
    static final class RouteNames implements ContainerRequestFilter {
        @Context
        private ExtendedUriInfo uri;

        @Override
        public void filter(ContainerRequestContext request) {
            List<UriTemplate> matched = uri.getMatchedTemplates();
            StringBuilder route = new StringBuilder();
            for (int i = matched.size() - 1; i >= 0; i--) {
                String template = matched.get(i).getTemplate();
                if (!template.isEmpty() && !template.equals("/")) {
                    route.append(template.startsWith("/") ? "" : "/").append(template);
                }
            }
            Span span = Span.current();
            span.updateName(request.getMethod() + " " + (route.length() == 0 ? "/" : route));
            span.setAttribute("http.route", route.toString());
        }
    }
}
