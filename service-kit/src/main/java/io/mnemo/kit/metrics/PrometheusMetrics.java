package io.mnemo.kit.metrics;

import io.dropwizard.core.setup.Environment;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** A Micrometer Prometheus registry for one service, scraped at {@code /prometheus} on the admin port. */
public final class PrometheusMetrics {
    private PrometheusMetrics() {
    }

    public static PrometheusMeterRegistry install(Environment environment, String service) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("service", service);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        environment.lifecycle().manage(new io.dropwizard.lifecycle.Managed() {
            @Override
            public void stop() {
                gc.close();
                registry.close();
            }
        });
        environment.admin().addServlet("prometheus", new ScrapeServlet(registry)).addMapping("/prometheus");
        return registry;
    }

    private static final class ScrapeServlet extends HttpServlet {
        private final transient PrometheusMeterRegistry registry;

        ScrapeServlet(PrometheusMeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain; version=0.0.4; charset=utf-8");
            response.getWriter().write(registry.scrape());
        }
    }
}
