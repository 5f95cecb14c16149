package io.mnemo.kit.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.mnemo.kit.tracing.TracingFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/**
 * What every Mnemo service's configuration has: the profile it runs in. {@code dev} is what {@code mnemo dev} and
 * the tests run; anything deployed runs {@code production} (the default, so that forgetting to set it is safe),
 * where the development defaults of secrets are refused at start-up ({@link DevSecrets}).
 */
public abstract class ServiceConfiguration extends Configuration {
    public static final String DEV = "dev";
    public static final String PRODUCTION = "production";

    @NotNull
    @Pattern(regexp = "dev|production", message = "must be dev or production")
    private String profile = PRODUCTION;

    @Valid
    @NotNull
    private TracingFactory tracing = new TracingFactory();

    @JsonProperty
    public String getProfile() {
        return profile;
    }

    @JsonProperty
    public void setProfile(String profile) {
        this.profile = profile;
    }

    /** OpenTelemetry tracing; off unless enabled. */
    @JsonProperty
    public TracingFactory getTracing() {
        return tracing;
    }

    @JsonProperty
    public void setTracing(TracingFactory tracing) {
        this.tracing = tracing;
    }
}
