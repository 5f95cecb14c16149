package io.mnemo.kit.crypto;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.mnemo.schemas.sealing.MasterKey;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

/**
 * {@code encryption:} in a service's YAML: the master key that wraps the users' data keys (crypto-shredding).
 * Never defaulted outside dev: the services refuse to start with the development key ({@code DevSecrets}).
 */
public final class EncryptionFactory {
    /** The development master key written in the services' YAML for {@code mnemo dev}; public, so dev only. */
    public static final String DEV_MASTER_KEY = "bW5lbW8tZGV2LW1hc3Rlci1rZXktMzItYnl0ZXMhISE=";

    @NotEmpty
    private String masterKey = DEV_MASTER_KEY;

    @NotNull
    private Duration keyRefresh = Duration.seconds(30);

    @JsonProperty
    public String getMasterKey() {
        return masterKey;
    }

    @JsonProperty
    public void setMasterKey(String masterKey) {
        this.masterKey = masterKey;
    }

    /** How long a writer trusts a user's key state before re-reading it (how late another instance sees an erasure). */
    @JsonProperty
    public Duration getKeyRefresh() {
        return keyRefresh;
    }

    @JsonProperty
    public void setKeyRefresh(Duration keyRefresh) {
        this.keyRefresh = keyRefresh;
    }

    public MasterKey buildMasterKey() {
        return MasterKey.fromBase64(masterKey);
    }
}
