package io.mnemo.query;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.dropwizard.db.DataSourceFactory;
import io.mnemo.kit.auth.AuthFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.ArrayList;
import java.util.List;

/** Typed, validated configuration of the query service. */
public class QueryConfiguration extends Configuration {
    /** Streaming replicas, tried in order; reads go to the primary only when none can answer. */
    @Valid
    @NotNull
    private List<DataSourceFactory> replicas = new ArrayList<>();
    @Valid
    @NotNull
    private DataSourceFactory primary = new DataSourceFactory();
    /** HMAC secret of pagination cursors (at least 16 characters). */
    @NotNull
    @Size(min = 16)
    private String cursorSecret;
    /** API key cache refresh and default per-key rate limit; keys are read from the primary. */
    @Valid
    @NotNull
    private AuthFactory auth = new AuthFactory();

    @JsonProperty
    public List<DataSourceFactory> getReplicas() {
        return replicas;
    }

    @JsonProperty
    public void setReplicas(List<DataSourceFactory> replicas) {
        this.replicas = replicas;
    }

    @JsonProperty
    public DataSourceFactory getPrimary() {
        return primary;
    }

    @JsonProperty
    public void setPrimary(DataSourceFactory primary) {
        this.primary = primary;
    }

    @JsonProperty
    public String getCursorSecret() {
        return cursorSecret;
    }

    @JsonProperty
    public void setCursorSecret(String cursorSecret) {
        this.cursorSecret = cursorSecret;
    }

    @JsonProperty
    public AuthFactory getAuth() {
        return auth;
    }

    @JsonProperty
    public void setAuth(AuthFactory auth) {
        this.auth = auth;
    }
}
