package io.mnemo.kit.tracing;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.dropwizard.util.Duration;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenTelemetry tracing of a service: off by default ({@link Tracing#off()}, no cost). On, spans continue the
 * incoming {@code traceparent} (sampled by it, else at {@code samplingRatio}) and, when {@code otlpEndpoint} is set,
 * are exported over OTLP http/protobuf in batches, flushed when the service stops.
 */
public class TracingFactory {
    private static final Logger LOG = LoggerFactory.getLogger(TracingFactory.class);
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

    private boolean enabled;
    /** e.g. {@code http://collector:4318/v1/traces}; blank: spans are made (and propagated) but not exported. */
    private String otlpEndpoint = "";
    /** Blank: the service's own name ({@code mnemo-ingest}, ...). */
    private String serviceName = "";
    @DecimalMin("0.0")
    @DecimalMax("1.0")
    private double samplingRatio = 1.0;
    /** How long finished spans wait to be sent with others. */
    @NotNull
    private Duration exportDelay = Duration.seconds(5);

    /** Starts the tracer provider and stops it (flushing what is left) with the application. */
    public Tracing build(Environment environment, String defaultServiceName) {
        if (!enabled) {
            return Tracing.off();
        }
        String name = serviceName == null || serviceName.isBlank() ? defaultServiceName : serviceName;
        SdkTracerProviderBuilder provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, name))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(samplingRatio)));
        boolean exporting = otlpEndpoint != null && !otlpEndpoint.isBlank();
        if (exporting) {
            provider.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                            .setEndpoint(otlpEndpoint).build())
                    .setScheduleDelay(exportDelay.toMilliseconds(), TimeUnit.MILLISECONDS).build());
        }
        SdkTracerProvider tracerProvider = provider.build();
        environment.lifecycle().manage(new Managed() {
            @Override
            public void stop() {
                tracerProvider.shutdown().join(10, TimeUnit.SECONDS);
            }
        });
        LOG.info("Tracing on as {} (sampling {}), {}", name, samplingRatio,
                exporting ? "exporting to " + otlpEndpoint : "not exported (no OTLP endpoint)");
        return Tracing.of(OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build());
    }

    @JsonProperty
    public boolean isEnabled() {
        return enabled;
    }

    @JsonProperty
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    @JsonProperty
    public String getOtlpEndpoint() {
        return otlpEndpoint;
    }

    @JsonProperty
    public void setOtlpEndpoint(String otlpEndpoint) {
        this.otlpEndpoint = otlpEndpoint;
    }

    @JsonProperty
    public String getServiceName() {
        return serviceName;
    }

    @JsonProperty
    public void setServiceName(String serviceName) {
        this.serviceName = serviceName;
    }

    @JsonProperty
    public double getSamplingRatio() {
        return samplingRatio;
    }

    @JsonProperty
    public void setSamplingRatio(double samplingRatio) {
        this.samplingRatio = samplingRatio;
    }

    @JsonProperty
    public Duration getExportDelay() {
        return exportDelay;
    }

    @JsonProperty
    public void setExportDelay(Duration exportDelay) {
        this.exportDelay = exportDelay;
    }
}
