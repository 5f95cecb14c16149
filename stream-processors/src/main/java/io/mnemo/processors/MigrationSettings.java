package io.mnemo.processors;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.util.HashMap;
import java.util.Map;

/**
 * The login the projection migrations run as at start-up: the schema's owner (it creates tables, the services'
 * roles and the month-partition function, V15), not the processors' own role, which is granted only what the sinks
 * write. Used for one short connection before the sinks start; the connection pool never holds it.
 */
public class MigrationSettings {
    @NotBlank
    private String user = "postgres";
    private String password = "";
    /**
     * Passwords the migration sets on the other services' roles (role to password; empty: left as it is). The
     * processors' own role gets {@code database.password}.
     */
    @NotNull
    private Map<String, String> rolePasswords = new HashMap<>();

    @JsonProperty
    public String getUser() {
        return user;
    }

    @JsonProperty
    public void setUser(String user) {
        this.user = user;
    }

    @JsonProperty
    public Map<String, String> getRolePasswords() {
        return rolePasswords;
    }

    @JsonProperty
    public void setRolePasswords(Map<String, String> rolePasswords) {
        this.rolePasswords = rolePasswords;
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
