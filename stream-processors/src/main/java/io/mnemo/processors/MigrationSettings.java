package io.mnemo.processors;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotBlank;

/**
 * The login the projection migrations run as at start-up: the schema's owner (it creates tables, the services'
 * roles and the month-partition function, V15), not the processors' own role, which is granted only what the sinks
 * write. Used for one short connection before the sinks start; the connection pool never holds it.
 */
public class MigrationSettings {
    @NotBlank
    private String user = "postgres";
    private String password = "";

    @JsonProperty
    public String getUser() {
        return user;
    }

    @JsonProperty
    public void setUser(String user) {
        this.user = user;
    }

    @JsonProperty
    public String getPassword() {
        return password;
    }

    @JsonProperty
    public void setPassword(String password) {
        this.password = password;
    }
}
